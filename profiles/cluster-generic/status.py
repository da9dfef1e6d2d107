#!/usr/bin/env python3
"""Tell snakemake-executor-plugin-cluster-generic whether a Slurm job is still running.

Called as ``status.py JOBID``; prints exactly one of ``running``, ``success``, ``failed``.

Order of sources, each asked only when the one before cannot answer:
1. ``squeue`` (always there; knows a job until MinJobAge seconds after it ended);
2. the jobcomp file (``JobCompType=jobcomp/filetxt``: Slurm's own record of every
   finished job; path from $RTG_SLURM_JOBCOMP or ``scontrol show config``);
3. ``sacct``, where the site runs slurmdbd.
A job that squeue no longer knows and no record mentions has vanished: ``failed``.
When squeue itself fails (controller busy or restarting) the answer is ``running``, so a
hiccup never fails a job; Snakemake asks again on its next check. Standard library only,
commands as argument lists.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

JOBCOMP_ENV = "RTG_SLURM_JOBCOMP"
TIMEOUT_S = 30

#: Slurm states of a job that has not finished yet.
RUNNING_STATES = frozenset(
    {
        "PENDING",
        "CONFIGURING",
        "RUNNING",
        "COMPLETING",
        "SUSPENDED",
        "REQUEUED",
        "REQUEUE_FED",
        "REQUEUE_HOLD",
        "RESIZING",
        "RESV_DEL_HOLD",
        "REVOKED",
        "SIGNALING",
        "SPECIAL_EXIT",
        "STAGE_OUT",
        "STOPPED",
    }
)
SUCCESS_STATES = frozenset({"COMPLETED"})
# Everything else (FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL,
# DEADLINE, PREEMPTED) is a failure.


class SqueueUnavailable(RuntimeError):
    """squeue could not be asked at all (not the same as "job unknown")."""


def classify(state: str) -> str:
    """Map a Slurm job state (``CANCELLED by 0`` -> ``CANCELLED``) to Snakemake's word."""
    word = state.strip().split()[0].rstrip("+").upper() if state.strip() else ""
    if word in SUCCESS_STATES:
        return "success"
    if word in RUNNING_STATES:
        return "running"
    return "failed"


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=False, capture_output=True, text=True, timeout=TIMEOUT_S)


def squeue_state(job_id: str) -> str | None:
    """The job's state from squeue, None when squeue no longer knows the job."""
    try:
        done = _run(["squeue", "--noheader", "--states=all", f"--jobs={job_id}", "--format=%T"])
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SqueueUnavailable(str(exc)) from exc
    if done.returncode != 0:
        if "Invalid job id" in done.stderr:
            return None
        raise SqueueUnavailable(done.stderr.strip())
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return lines[0] if lines else None


def jobcomp_path() -> Path | None:
    """Slurm's jobcomp file: $RTG_SLURM_JOBCOMP, else JobCompLoc when JobCompType is filetxt."""
    if os.environ.get(JOBCOMP_ENV):
        return Path(os.environ[JOBCOMP_ENV])
    try:
        done = _run(["scontrol", "show", "config"])
    except (OSError, subprocess.TimeoutExpired):
        return None
    settings = {}
    for line in done.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            settings[key.strip()] = value.strip()
    if settings.get("JobCompType") == "jobcomp/filetxt" and settings.get("JobCompLoc"):
        return Path(settings["JobCompLoc"])
    return None


def jobcomp_state(job_id: str, path: Path | None) -> str | None:
    """The JobState of ``JobId=<job_id>`` in a jobcomp/filetxt file (last record wins)."""
    if path is None or not path.is_file():
        return None
    state = None
    needle = f"JobId={job_id} "
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith(needle):
                for field in line.split():
                    if field.startswith("JobState="):
                        state = field[len("JobState=") :]
    return state


def sacct_state(job_id: str) -> str | None:
    """The job's state from sacct, None when sacct is missing or has no record."""
    try:
        done = _run(["sacct", "--noheader", "--parsable2", "--allocations", f"--jobs={job_id}", "--format=State"])
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return lines[0] if lines else None


def status(job_id: str) -> str:
    """running, success or failed for one Slurm job id (``id`` or ``id;cluster``)."""
    job_id = job_id.split(";", 1)[0].strip()
    try:
        state = squeue_state(job_id)
    except SqueueUnavailable as exc:
        print(f"status.py: squeue failed, answering running: {exc}", file=sys.stderr)
        return "running"
    if state is None:
        state = jobcomp_state(job_id, jobcomp_path())
    if state is None:
        state = sacct_state(job_id)
    if state is None:
        print(f"status.py: job {job_id} is in neither squeue, jobcomp nor sacct", file=sys.stderr)
        return "failed"
    return classify(state)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: status.py JOBID", file=sys.stderr)
        return 2
    print(status(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
