"""Trial JSON files -> the tables users script against (timings.csv, threads.csv).

The trial files stay the record; these tables are derived and can always be
rebuilt from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

#: Columns of timings.csv, in order (the README documents them).
TIMING_COLUMNS = [
    "backend", "scenario", "threads", "gil_mode", "start_order", "n", "rep",
    "wall_s", "cpu_s", "cpu_user_s", "cpu_sys_s", "result", "correct",
    "started_at", "ended_at", "host", "cpu_model", "logical_cpus", "python_version",
    "loadavg_before", "loadavg_after", "pinned", "build_manifest_sha256", "config_sha256", "trial_file",
    "slurm_job_id", "slurm_node",
]  # fmt: skip
#: Columns of threads.csv, in order.
THREAD_COLUMNS = ["backend", "scenario", "n", "rep", "thread", "token", "start_ns", "end_ns", "cpu_s", "correct", "cpu"]


def read_trials(paths: Iterable[str | Path]) -> list[dict]:
    """Load every trial record, remembering which file it came from."""
    trials = []
    for path in paths:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        record["trial_file"] = str(path)
        trials.append(record)
    return trials


def timings_table(trials: list[dict]) -> pd.DataFrame:
    """One row per trial; ``result`` is decimal text because values exceed int64."""
    rows = []
    for t in trials:
        meta = t["metadata"]
        rows.append(
            {
                **{k: t[k] for k in TIMING_COLUMNS if k in t},
                "result": str(t["result"]),
                "host": meta["host"],
                "cpu_model": meta["cpu_model"],
                "logical_cpus": meta["logical_cpus"],
                "python_version": meta["python_version"],
                "loadavg_before": meta["loadavg_before"][0] if meta["loadavg_before"] else None,
                "loadavg_after": meta["loadavg_after"][0] if meta["loadavg_after"] else None,
                "pinned": meta.get("pinned", False),
                "build_manifest_sha256": meta["build_manifest_sha256"],
                "config_sha256": meta.get("config_sha256"),
                # Where the trial ran under Slurm (empty when run locally).
                "slurm_job_id": meta.get("slurm_job_id"),
                "slurm_node": meta.get("slurm_node"),
            }
        )
    frame = pd.DataFrame(rows, columns=TIMING_COLUMNS)
    return frame.sort_values(["backend", "scenario", "n", "rep"], kind="stable").reset_index(drop=True)


def threads_table(trials: list[dict]) -> pd.DataFrame:
    """One row per trial and thread: the raw material of timelines and overlap."""
    rows = [
        {
            "backend": t["backend"],
            "scenario": t["scenario"],
            "n": t["n"],
            "rep": t["rep"],
            "thread": r["index"],
            "token": r["token"],
            "start_ns": r["start_ns"],
            "end_ns": r["end_ns"],
            "cpu_s": r["cpu_s"],
            "correct": r["correct"],
            "cpu": r["cpu"],
        }
        for t in trials
        for r in t["thread_records"]
    ]
    frame = pd.DataFrame(rows, columns=THREAD_COLUMNS).astype({"cpu": "Int64"})
    return frame.sort_values(["backend", "scenario", "n", "rep", "thread"], kind="stable").reset_index(drop=True)


def environment(trials: list[dict], manifests: dict[str, dict], config: dict) -> dict:
    """Where and with what the grid ran: manifests, config, and the first trial's metadata."""
    first = trials[0]["metadata"] if trials else {}
    hosts = sorted({t["metadata"]["host"] for t in trials})
    return {"manifests": manifests, "config": config, "metadata": first, "hosts": hosts, "trials": len(trials)}
