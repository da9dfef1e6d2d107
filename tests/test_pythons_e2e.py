"""The README's two commands under every supported CPython this machine has, each in a fresh venv.

For each of 3.11, 3.12 and 3.13 found in pyenv: a new venv, the README's main
command (pip install of envs/requirements.txt, then snakemake) on a tiny grid,
whose report is checked, then the README's test install and the end-to-end
test file under that interpreter. Python 3.12 removed distutils: this is
where a build that needs it fails. In CI, finding neither 3.12 nor 3.13 is a
failure, never a silent skip.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import copy_project

pytestmark = pytest.mark.slow

#: The CPython versions the pins install on (docs/interpreters.md); 3.10 cannot install snakemake 9.
SUPPORTED = ("3.11", "3.12", "3.13", "3.14", "3.15")
TINY = ["backends=[cython,numba]", "scenarios=[gil,nogil+gil]", "n_values=[2000000]", "repetitions=2"]
F_2E6 = "17141820111795327685"
STEP_TIMEOUT_S = 1500


def pyenv_pythons() -> dict[str, str]:
    """minor version -> a GIL build of it: from RTG_TEST_INTERPRETERS (paths separated by os.pathsep), else the
    newest under pyenv's versions folder, else one tools/build-python.sh built (Debian's source or a tarball)."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    cache = os.environ.get("RTG_PYTHON_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "release-the-gil", "pythons"
    )
    found: dict[str, tuple[tuple[int, ...], str]] = {}
    for path in glob.glob(os.path.join(root, "versions", "*", "bin", "python")):
        name = Path(path).parents[1].name
        match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", name)  # a free-threaded or other flavour has a suffix
        if not match:
            continue
        minor, version = f"{match[1]}.{match[2]}", tuple(map(int, match.groups()))
        if minor in SUPPORTED and (minor not in found or version > found[minor][0]):
            found[minor] = (version, path)
    chosen = {minor: path for minor, (_, path) in found.items()}
    for path in sorted(glob.glob(os.path.join(cache, "3.*", "prefix", "bin", "python3.*"))):
        match = re.fullmatch(r"python(3\.\d+)", Path(path).name)  # python3.14t is free-threaded: not here
        if match and match[1] in SUPPORTED and (Path(path).parents[2] / "built").is_file():
            chosen.setdefault(match[1], path)
    for path in (p for p in os.environ.get("RTG_TEST_INTERPRETERS", "").split(os.pathsep) if p):
        code = (
            "import sys, sysconfig; print('%d.%d' % sys.version_info[:2], sysconfig.get_config_var('Py_GIL_DISABLED'))"
        )
        try:
            out = subprocess.run([path, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        minor, disabled = out.split()
        if minor in SUPPORTED and disabled in ("0", "None"):
            chosen[minor] = path
    return chosen


def test_ci_has_a_python_newer_than_the_default():
    found = pyenv_pythons()
    if not ({"3.12", "3.13"} & set(found)):
        message = f"neither CPython 3.12 nor 3.13 found under pyenv (found: {sorted(found) or 'none'})"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must prove the README's commands on a Python newer than 3.11")
        pytest.skip(message)


def run(command: list[str], cwd: Path, venv: Path) -> tuple[subprocess.CompletedProcess, float]:
    """``command`` inside the activated ``venv`` (argument list, no shell); its result and wall time."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "CI")}
    env.update(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}", PYTHONDONTWRITEBYTECODE="1")
    start = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT_S)
    return done, time.monotonic() - start


def ok(done: subprocess.CompletedProcess, what: str) -> None:
    assert done.returncode == 0, f"{what} failed (exit {done.returncode}):\n{(done.stdout + done.stderr)[-5000:]}"


@pytest.mark.parametrize("minor", SUPPORTED)
def test_readme_commands_in_a_fresh_venv(minor, tmp_path, capsys):
    python = pyenv_pythons().get(minor)
    if python is None:
        pytest.skip(f"no CPython {minor} under pyenv")
    project = copy_project(tmp_path / "project")
    venv = tmp_path / "venv"
    ok(subprocess.run([python, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=300), "venv")

    # README, line one: the main job (on a tiny grid).
    install, install_s = run(["python", "-m", "pip", "install", "-q", "-r", "envs/requirements.txt"], project, venv)
    ok(install, f"pip install -r envs/requirements.txt under {minor}")
    main, main_s = run(["snakemake", "--cores", "8", "--config", *TINY], project, venv)
    ok(main, f"snakemake --cores 8 under {minor}")
    results = project / "results"
    timings = pd.read_csv(results / "timings.csv", dtype={"result": str})
    assert len(timings) == 2 * 2 * 2 and timings["correct"].all() and (timings["result"] == F_2E6).all()
    version = json.loads((results / "build" / "cython" / "manifest.json").read_text())["python_version"]
    assert version.startswith(minor + "."), version  # built against this interpreter, not another
    assert set(timings["python_version"]) == {version}
    html = (results / "report.html").read_text(encoding="utf-8")
    assert "<h2" in html and "Traceback" not in html
    assert (results / "summary.csv").stat().st_size > 0

    # README, line two: the test requirements, then the end-to-end test file under this interpreter.
    test_install, _ = run(["python", "-m", "pip", "install", "-q", "-r", "envs/requirements-test.txt"], project, venv)
    ok(test_install, f"pip install -r envs/requirements-test.txt under {minor}")
    e2e, e2e_s = run(
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_pipeline_e2e.py"], project, venv
    )
    ok(e2e, f"tests/test_pipeline_e2e.py under {minor}")
    assert re.search(r"\d+ passed", e2e.stdout) and " failed" not in e2e.stdout
    with capsys.disabled():
        print(
            f"\nCPython {version} fresh venv: pip install {install_s:.0f} s, main command on the tiny grid "
            f"{main_s:.0f} s, tests/test_pipeline_e2e.py {e2e_s:.0f} s"
        )
