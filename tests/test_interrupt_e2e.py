"""kill -9 of snakemake mid-grid: every trial snakemake had recorded as finished survives byte for byte."""

import base64
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from rtg.trial import faults
from tests.test_pipeline_e2e import job_counts

pytestmark = pytest.mark.slow

CONFIG = ["backends=[cython]", "scenarios=[gil,nogil]", "n_values=[2000000]", "repetitions=4"]
GRID = [f"results/trials/cython/{s}/n2000000/rep{r}.json" for s in ("gil", "nogil") for r in (1, 2, 3, 4)]


def recorded(workdir: Path, path: str, kind: str) -> bool:
    """Does snakemake hold a ``metadata`` or ``incomplete`` record for output ``path``?"""
    return (workdir / ".snakemake" / kind / base64.urlsafe_b64encode(path.encode()).decode()).exists()


def finished(workdir: Path) -> list[str]:
    """Trials snakemake recorded as done: file, metadata, and no incomplete marker."""
    return [
        p
        for p in GRID
        if (workdir / p).exists() and recorded(workdir, p, "metadata") and not recorded(workdir, p, "incomplete")
    ]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=300)


def wait_for(condition, deadline: float, what: str, process: subprocess.Popen | None = None):
    """Poll ``condition`` until it holds; fail naming ``what`` at the deadline or if ``process`` ended."""
    while not (value := condition()):
        if process is not None:
            assert process.poll() is None, f"snakemake ended (exit {process.returncode}) before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return value


def test_kill_9_mid_grid_then_rerun_keeps_finished_trials_and_runs_only_the_rest(project, tmp_path, capsys):
    # Every trial waits at a gate (rtg/trial/faults.py 'hold') until the test lets it go: three are let
    # through one by one, and snakemake is killed while the fourth provably runs, whatever the
    # machine's speed and whichever trial the scheduler picks first.
    gate = tmp_path / "gate"
    gate.mkdir()
    env = {**os.environ, faults.ENV: "hold:cython/*", faults.GATE_ENV: str(gate)}
    log = open(project / "first-run.log", "w")
    first = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--config", *CONFIG],
        cwd=project,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group, to wait for orphaned jobs below
    )
    deadline = time.monotonic() + 300
    released: list[str] = []
    while True:
        held = wait_for(
            lambda: [g for g in gate.glob("*.held") if g.stem not in released], deadline, "a trial at the gate", first
        )
        assert len(held) == 1, f"trials ran side by side despite timing_slot=1: {held}"
        if len(released) == 3:
            break
        # let this one through, and wait until snakemake has recorded it as finished
        released.append(held[0].stem)
        (gate / f"{held[0].stem}.go").touch()
        wait_for(lambda: len(finished(project)) == len(released), deadline, f"trial {held[0].stem} to finish", first)
    running = held[0].stem
    os.kill(first.pid, signal.SIGKILL)  # snakemake only; the held job lives on as an orphan
    first.wait(timeout=30)
    log.close()
    (gate / f"{running}.go").touch()  # the orphan finishes after snakemake died
    wait_for(lambda: not group_alive(first.pid), deadline, "the orphaned trial to end")

    kept = {p: sha256(project / p) for p in finished(project)}
    on_disk = [p for p in GRID if (project / p).exists()]
    # a file the orphan wrote after snakemake died is on disk but still marked incomplete: it is redone
    incomplete = [p for p in on_disk if p not in kept]
    assert all(recorded(project, p, "incomplete") for p in incomplete)
    assert 3 <= len(kept) < len(GRID)
    # the trial running at the kill wrote its file after snakemake died: on disk, yet redone
    assert incomplete == [f"results/trials/{running.replace('_', '/')}.json"]

    refused = snakemake(project, "--config", *CONFIG)  # a plain rerun never silently reuses a half-done job
    assert refused.returncode != 0
    # snakemake names the leftover lock, or first the incomplete file a killed job left behind
    assert "--unlock" in refused.stderr or "--rerun-incomplete" in refused.stderr
    assert snakemake(project, "--unlock", "--config", *CONFIG).returncode == 0

    plan = snakemake(project, "--dry-run", "--rerun-incomplete", "--config", *CONFIG)
    assert plan.returncode == 0, plan.stderr[-3000:]
    counts = job_counts(plan.stdout)
    assert counts["trial"] == len(GRID) - len(kept)  # exactly the unfinished ones
    assert "build" not in counts

    rerun = snakemake(project, "--rerun-incomplete", "--config", *CONFIG)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert {p: sha256(project / p) for p in kept} == kept  # byte for byte
    assert sorted(finished(project)) == sorted(GRID)
    timings = pd.read_csv(project / "results" / "timings.csv")
    assert len(timings) == len(GRID) and timings["correct"].all()
    with capsys.disabled():
        print(
            f"\nkill -9: {len(kept)} of {len(GRID)} trials recorded finished and kept byte for byte, "
            f"{len(incomplete)} written after the kill but marked incomplete, "
            f"{counts['trial']} rerun"
        )
