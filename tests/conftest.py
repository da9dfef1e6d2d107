"""Shared fixtures: a throw-away copy of the project and a real snakemake runner."""

from __future__ import annotations

import glob
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# CI replays the same examples every run (a red CI is then a change, never a new draw);
# a developer's run explores new ones, and hypothesis keeps any failure it finds.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
#: Never copied into a test project: outputs, caches, VCS data.
IGNORED = shutil.ignore_patterns("results", ".snakemake", ".git", "__pycache__", ".pytest_cache", ".ruff_cache")
#: A grid small enough for CI's 2 cores: n = 2e6 runs in about 2 ms per call.
TINY_CONFIG = ["n_values=[2000000]", "repetitions=2"]


def copy_project(dest: Path) -> Path:
    """Copy the project's sources (not its results) into ``dest``."""
    shutil.copytree(ROOT, dest, ignore=IGNORED)
    return dest


def snakemake(workdir: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real snakemake CLI in ``workdir`` (argument list, no shell)."""
    command = [sys.executable, "-m", "snakemake", *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)


def run_grid(workdir: Path, *config: str, timeout: float = 1200) -> Path:
    """Real ``snakemake --cores 2`` on a grid in ``workdir``; fail the caller with its stderr unless it succeeds."""
    result = snakemake(workdir, "--cores", "2", "--config", *config, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def other_python() -> str:
    """A supported CPython (3.11+) other than ours (pyenv installs several here); skip the test if none."""
    mine = platform.python_version()
    for path in sorted(glob.glob("/root/.pyenv/versions/3.1[1-9]*/bin/python")):
        if mine not in path:
            return path
    pytest.skip("no second CPython 3.11+ on this machine")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the project to run snakemake in."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """One real end-to-end run of the tiny grid, shared by the tests that read its outputs."""
    workdir = copy_project(tmp_path_factory.mktemp("tiny") / "project")
    result = snakemake(workdir, "--cores", "2", "--config", *TINY_CONFIG)
    return workdir, result
