"""Trial JSON files -> the tables users script against (timings.csv, threads.csv).

The trial files stay the record; these tables are derived and can always be
rebuilt from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from rtg.core import axes
from rtg.trial import interference, race

#: Interference per trial (rtg/trial/disturbance.py): what the machine and the workers saw, what was cured.
INTERFERENCE_COLUMNS = [
    "disturbed", "cause", "steal_s", "others_cpu_s", "run_delay_s", "worker_steal_s",
    "planned_runs", "disturbed_runs", "set_aside_runs", "replacement_runs", "attempts",
    "quiet_wait_s", "quiet_calm", "remeasure",
]  # fmt: skip
#: Per worker thread and run (runs.csv: thread<i>_<signal>) and in threads.csv: rtg/trial/interference.py.
THREAD_SIGNAL_COLUMNS = [*interference.THREAD_SIGNALS, "cpu_share"]
#: Columns of timings.csv, in order (docs/outputs.md documents them).
TIMING_COLUMNS = [
    "backend", *axes.LEADING_COLUMNS,
    "scenario", "threads", "gil_mode", "start_order", "n", "rep",
    "wall_s", "cpu_s", "cpu_user_s", "cpu_sys_s", "runs", "serialized_runs",
    *INTERFERENCE_COLUMNS, "paired_ratio",
    "heartbeat_max_stall_s", "heartbeat_p99_stall_s", "heartbeat_stall_share", "gil_contention", "result", "correct",
    "started_at", "ended_at", "host", "cpu_model", "logical_cpus", "python_version",
    "gil_disabled_build", "gil_enabled", "gil_reenabled_by_import",
    "loadavg_before", "loadavg_after", "pinned", "usable_cpus", "oversubscribed",
    "build_manifest_sha256", "config_sha256", "trial_file",
    "slurm_job_id", "slurm_node", "slurm_requested_nodes", "slurm_constraint",
]  # fmt: skip
#: Columns of threads.csv, in order.
THREAD_COLUMNS = [
    "backend", *axes.COLUMNS, "scenario", "n", "rep",
    "thread", "token", "start_ns", "end_ns", "cpu_s", "correct", "cpu", "calls", "max_gap_s", "max_wait_s",
    *THREAD_SIGNAL_COLUMNS,
]  # fmt: skip
#: Columns of runs.csv before the per-thread ones (thread<i>_start_ns, thread<i>_end_ns).
RUN_COLUMNS = [
    "backend", *axes.LEADING_COLUMNS, "scenario", "threads", "n", "rep",
    "attempt", "run", "wall_s", "cpu_s", "started_at", "pinned", "serialized", "correct", "disturbed", "set_aside",
    "max_gap_s",
    "heartbeat_max_stall_s", "heartbeat_p99_stall_s", "heartbeat_stall_share", "gil_contention",
]  # fmt: skip
#: Sort order of the tables: one block per backend and point of the axes.
SORT_KEYS = ["backend", *axes.COLUMNS, "scenario", "n", "rep"]


def read_trials(paths: Iterable[str | Path]) -> list[dict]:
    """Load every trial record, remembering which file it came from."""
    trials = []
    for path in paths:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        record["trial_file"] = str(path)
        trials.append(record)
    return trials


def runs_of(trial: dict) -> list[dict]:
    """A trial's timed runs; a record from before inner repetitions is its own single run."""
    if "runs" in trial:
        return trial["runs"]
    records = trial["thread_records"]
    starts = [r["start_ns"] for r in records]
    ends = [race.busy_end(r["start_ns"], r["end_ns"], r["cpu_s"]) for r in records]
    return [
        {
            "run": 1,
            "wall_s": trial["wall_s"],
            "cpu_s": trial.get("cpu_s"),
            "started_at": trial.get("started_at"),
            "pinned": trial["metadata"].get("pinned", False),
            "serialized": race.serialized(starts, ends),
            "threads": [[r["start_ns"], r["end_ns"], r["cpu_s"]] for r in records],
            "correct": trial["correct"],
        }
    ]


def kept_runs(trial: dict) -> list[dict]:
    """The runs a trial's values rest on: all but those set aside as disturbed."""
    return [run for run in runs_of(trial) if not run.get("set_aside", False)]


def all_runs(trial: dict) -> list[tuple[int, dict]]:
    """(attempt, run) for every run the trial timed, earlier attempts (all set aside) included."""
    own = int(trial.get("attempt", 1))
    earlier = [
        (int(a["attempt"]), {**run, "set_aside": True})
        for a in trial.get("earlier_attempts") or []
        for run in a["runs"]
    ]
    return sorted(earlier + [(own, run) for run in runs_of(trial)], key=lambda pair: (pair[0], pair[1]["run"]))


def interference_columns(trial: dict) -> dict:
    """A trial's interference columns (empty values for records from before schema 3)."""
    found = trial.get("interference") or {}
    attempts = [trial, *(trial.get("earlier_attempts") or [])]
    gates = [gate for a in attempts for gate in a.get("quiet_gate") or []]
    return {
        "disturbed": bool(trial.get("disturbed", False)),
        "cause": found.get("cause"),
        "steal_s": found.get("steal_s"),
        "others_cpu_s": found.get("others_cpu_s"),
        "run_delay_s": found.get("run_delay_s"),
        "worker_steal_s": found.get("worker_steal_s"),
        "planned_runs": trial.get("planned_runs", len(runs_of(trial))),
        "disturbed_runs": found.get("disturbed_runs", 0),
        "set_aside_runs": found.get("set_aside_runs", 0),
        "replacement_runs": sum((a.get("interference") or {}).get("replacement_runs", 0) for a in attempts),
        "attempts": int(trial.get("attempts", 1)),
        "quiet_wait_s": sum(gate["waited_s"] for gate in gates) if gates else None,
        "quiet_calm": gates[0]["calm"] if gates else None,
        "remeasure": trial.get("remeasure"),
    }


def cpu_share(start_ns: int, end_ns: int, cpu_s: float) -> float | None:
    """A worker's CPU time ÷ its span (None for an empty span)."""
    span = (end_ns - start_ns) / 1e9
    return cpu_s / span if span > 0 else None


def thread_signals(threads: list, signals: list | None) -> list[dict]:
    """Per thread of one run: run delay, steal on its CPU, involuntary switches, CPU ÷ wall of its span."""
    rows = []
    for i, (start, end, cpu_s) in enumerate(threads):
        signal = signals[i] if signals else [None, None, None]
        rows.append(
            {**dict(zip(interference.THREAD_SIGNALS, signal, strict=True)), "cpu_share": cpu_share(start, end, cpu_s)}
        )
    return rows


def gil_columns(meta: dict) -> dict[str, bool]:
    """A trial's GIL facts: a free-threaded build, the GIL on after the kernel's import, switched on by it."""
    disabled_build = bool(meta.get("gil_disabled_build", False))
    enabled = bool(meta.get("gil_enabled", True))
    return {
        "gil_disabled_build": disabled_build,
        "gil_enabled": enabled,
        "gil_reenabled_by_import": bool(meta.get("gil_reenabled_by_import", disabled_build and enabled)),
    }


def timings_table(trials: list[dict]) -> pd.DataFrame:
    """One row per trial; ``result`` is decimal text because values exceed int64."""
    rows = []
    for t in trials:
        meta = t["metadata"]
        rows.append(
            {
                **{k: t[k] for k in TIMING_COLUMNS if k in t},
                **axes.table_values(t),
                "runs": len(kept_runs(t)),
                "serialized_runs": sum(bool(r["serialized"]) for r in kept_runs(t)),
                # This process's own ratio to one-thread runs timed between its runs (paired_baseline: true).
                "paired_ratio": (t.get("paired_baseline") or {}).get("ratio"),
                **interference_columns(t),
                "result": str(t["result"]),
                "host": meta["host"],
                "cpu_model": meta["cpu_model"],
                "logical_cpus": meta["logical_cpus"],
                "python_version": meta["python_version"],
                # The GIL as the kernel ran: after its import (records from before had a GIL).
                **gil_columns(meta),
                "loadavg_before": meta["loadavg_before"][0] if meta["loadavg_before"] else None,
                "loadavg_after": meta["loadavg_after"][0] if meta["loadavg_after"] else None,
                "pinned": meta.get("pinned", False),
                # Records from before thread_counts could not be oversubscribed on purpose: left empty.
                "usable_cpus": t.get("usable_cpus"),
                "oversubscribed": t.get("oversubscribed"),
                "build_manifest_sha256": meta["build_manifest_sha256"],
                "config_sha256": meta.get("config_sha256"),
                # Where the trial ran under Slurm (empty when run locally).
                "slurm_job_id": meta.get("slurm_job_id"),
                "slurm_node": meta.get("slurm_node"),
                # What the job asked Slurm for (--nodelist, --constraint): a run pinned on purpose.
                "slurm_requested_nodes": meta.get("slurm_requested_nodes"),
                "slurm_constraint": meta.get("slurm_constraint"),
            }
        )
    frame = pd.DataFrame(rows, columns=TIMING_COLUMNS)
    return frame.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)


def threads_table(trials: list[dict]) -> pd.DataFrame:
    """One row per trial and thread: the raw material of timelines and overlap."""
    rows = [
        {
            "backend": t["backend"],
            **axes.table_values(t),
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
            "calls": r.get("calls", 1),
            "max_gap_s": r.get("max_gap_s", 0.0),
            "max_wait_s": r.get("max_wait_s", 0.0),
            **{key: r.get(key) for key in interference.THREAD_SIGNALS},
            "cpu_share": cpu_share(r["start_ns"], r["end_ns"], r["cpu_s"]),
        }
        for t in trials
        for r in t["thread_records"]
    ]
    frame = pd.DataFrame(rows, columns=THREAD_COLUMNS).astype({"cpu": "Int64"})
    return frame.sort_values([*SORT_KEYS, "thread"], kind="stable").reset_index(drop=True)


def runs_table(trials: list[dict]) -> pd.DataFrame:
    """One row per timed run: the raw material of the race outcome and the hierarchical bootstrap.

    Each thread's start and busy end (``race.busy_end``) are columns
    ``thread<i>_start_ns`` and ``thread<i>_end_ns``, offsets from the run's start.
    """
    most = max((len(t["thread_records"]) for t in trials), default=0)
    thread_columns = [f"thread{i}_{edge}_ns" for i in range(most) for edge in ("start", "end")]
    signal_columns = [f"thread{i}_{name}" for i in range(most) for name in THREAD_SIGNAL_COLUMNS]
    rows = []
    for t in trials:
        for attempt, run in all_runs(t):
            row = {
                "backend": t["backend"],
                **axes.table_values(t),
                "scenario": t["scenario"],
                "threads": t["threads"],
                "n": t["n"],
                "rep": t["rep"],
                "attempt": attempt,
                **{k: run[k] for k in ("run", "wall_s", "cpu_s", "started_at", "pinned", "serialized", "correct")},
                "disturbed": bool(run.get("disturbed", False)),
                "set_aside": bool(run.get("set_aside", False)),
                **{
                    k: run.get(k)
                    for k in (
                        "max_gap_s",
                        "heartbeat_max_stall_s",
                        "heartbeat_p99_stall_s",
                        "heartbeat_stall_share",
                        "gil_contention",
                    )
                },
            }
            for i, (start, end, cpu_s) in enumerate(run["threads"]):
                row[f"thread{i}_start_ns"] = start
                row[f"thread{i}_end_ns"] = int(race.busy_end(start, end, cpu_s))
            for i, signal in enumerate(thread_signals(run["threads"], run.get("signals"))):
                row.update({f"thread{i}_{name}": value for name, value in signal.items()})
            rows.append(row)
    frame = pd.DataFrame(rows, columns=RUN_COLUMNS + thread_columns + signal_columns)
    frame = frame.astype({c: "Int64" for c in thread_columns})
    return frame.sort_values([*SORT_KEYS, "attempt", "run"], kind="stable").reset_index(drop=True)


def environment(trials: list[dict], manifests: dict[str, dict], config: dict) -> dict:
    """Where and with what the grid ran: manifests, config, and the first trial's metadata."""
    first = trials[0]["metadata"] if trials else {}
    hosts = sorted({t["metadata"]["host"] for t in trials})
    return {"manifests": manifests, "config": config, "metadata": first, "hosts": hosts, "trials": len(trials)}
