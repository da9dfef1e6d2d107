"""The house checks CI must keep green: ruff, snakefmt, snakemake --lint."""

import subprocess
import sys

from tests.conftest import ROOT, snakemake


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_check():
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_snakefmt():
    result = run(sys.executable, "-m", "snakefmt", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_snakemake_lint():
    result = snakemake(ROOT, "--lint", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr
