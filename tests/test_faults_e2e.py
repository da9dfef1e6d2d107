"""Faults with real snakemake: hung and crashing trials contained, partial grids, corrupt files refused.

Trials are made to fail through the test-only RTG_TEST_FAULT variable (rtg/trial/faults.py).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from rtg.trial import faults

pytestmark = pytest.mark.slow

#: Cython only, one tiny n, one repetition: each trial job costs about a second.
GRID = ["backends=[cython]", "n_values=[2000000]", "repetitions=1"]
F_2E6 = "17141820111795327685"


def run(workdir: Path, *args: str, fault: str = "", timeout: float = 300) -> subprocess.CompletedProcess:
    """Real snakemake CLI, optionally with a test fault requested for some trials."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop(faults.ENV, None)
    if fault:
        env[faults.ENV] = fault
    command = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)


def trial(workdir: Path, scenario: str, kind: str = "trials") -> Path:
    suffix = "json" if kind == "trials" else "log"
    base = workdir / "results" / ("trials" if kind == "trials" else "logs/trials")
    return base / "cython" / scenario / "n2000000" / f"rep1.{suffix}"


def test_hung_trials_are_stopped_by_the_time_limit_and_the_rest_completes(project):
    config = [*GRID, "scenarios=[gil,nogil,gil+gil]", "trial_time_limit_s=3"]
    start = time.monotonic()
    result = run(project, "--keep-going", "--config", *config, fault="hang:*/nogil/*,spin:*/gil+gil/*")
    seconds = time.monotonic() - start
    output = result.stdout + result.stderr
    assert result.returncode != 0
    # the healthy trial finished; the two hung ones failed, each after its limit, and left no file
    assert json.loads(trial(project, "gil").read_text())["result"] == F_2E6
    assert not trial(project, "nogil").exists()
    assert not trial(project, "gil+gil").exists()
    assert "TIME LIMIT EXCEEDED: trial cython/nogil/n2000000/rep1 ran longer than its limit of 3 s" in output
    assert "exit status 124" in output
    spin_log = trial(project, "gil+gil", "logs").read_text()
    assert "TEST FAULT 'spin'" in spin_log  # held the GIL in the real Cython kernel ...
    # ... so the GIL-free backstop stopped it at 3 s + 10 s of quiet-gate allowance (2 x quiet_wait_limit_s) + 5 s
    assert "Timeout (0:00:18)!" in spin_log
    assert seconds < 120  # not the kernel's decades
    assert not (project / "results" / "timings.csv").exists()  # no silent aggregation of a partial grid


def test_crashing_trials_are_contained_and_a_partial_grid_needs_allow_partial(project):
    config = [*GRID, "scenarios=[gil,nogil+gil,gil+nogil]"]
    result = run(project, "--keep-going", "--config", *config, fault="abort:*/nogil+gil/*,segfault:*/gil+nogil/*")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert trial(project, "gil").exists()
    assert "Fatal Python error: Aborted" in trial(project, "nogil+gil", "logs").read_text()
    assert "Fatal Python error: Segmentation fault" in trial(project, "gil+nogil", "logs").read_text()
    assert "Fatal Python error: Aborted" in output  # snakemake shows the failed job's log
    assert not (project / "results" / "timings.csv").exists()

    # asked for: aggregate what exists and list the rest, with the reason from each log
    partial = run(project, "--config", *config, "allow_partial=true")
    assert partial.returncode == 0, partial.stderr[-3000:]
    timings = pd.read_csv(project / "results" / "timings.csv")
    assert list(timings["scenario"]) == ["gil"]
    missing = pd.read_csv(project / "results" / "missing.csv").sort_values("scenario")
    assert list(missing["scenario"]) == ["gil+nogil", "nogil+gil"]
    assert list(missing["reason"]) == ["Fatal Python error: Segmentation fault", "Fatal Python error: Aborted"]
    assert json.loads((project / "results" / "environment.json").read_text())["missing_trials"] == 2

    # without the fault and without allow_partial, the next run redoes only the two missing trials
    full = run(project, "--config", *config)
    assert full.returncode == 0, full.stderr[-3000:]
    assert full.stderr.count("localrule trial:") + full.stderr.count("\nrule trial:") == 2
    assert len(pd.read_csv(project / "results" / "timings.csv")) == 3
    assert pd.read_csv(project / "results" / "missing.csv").empty


def test_corrupt_and_hand_edited_trial_files_are_refused_naming_them(project):
    config = [*GRID, "scenarios=[gil,nogil,nogil+gil]"]
    first = run(project, "--config", *config)
    assert first.returncode == 0, first.stderr[-3000:]
    truncated, edited, untouched = trial(project, "gil"), trial(project, "nogil"), trial(project, "nogil+gil")
    truncated.write_bytes(truncated.read_bytes()[:300])
    record = json.loads(edited.read_text())
    record["wall_s"] *= 0.5
    edited.write_text(json.dumps(record, indent=1))

    again = run(project, "--config", *config)
    output = again.stdout + again.stderr
    assert again.returncode != 0
    assert "refusing to aggregate 2 trial file(s)" in output
    assert "results/trials/cython/gil/n2000000/rep1.json: is not valid JSON" in output
    assert "results/trials/cython/nogil/n2000000/rep1.json: record_sha256 does not match" in output
    assert "results/trials/cython/nogil+gil/n2000000/rep1.json:" not in output
    assert "rule trial:" not in output  # the trials are not redone behind the user's back
    assert untouched.exists()
