"""The environment: when and where the trials ran, the machine, every build, the config."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.report.base import Inputs

ID = "environment"


def flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts/lists as (dotted key, value) rows, long values shortened."""
    rows: list[tuple[str, str]] = []
    if isinstance(data, Mapping):
        for k, v in data.items():
            rows += flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list) and any(isinstance(v, Mapping | list) for v in data):
        for i, v in enumerate(data):
            rows += flatten(v, f"{prefix}[{i}]")
    else:
        text = " ".join(map(str, data)) if isinstance(data, list) else str(data)
        rows.append((prefix, text if len(text) <= 160 else text[:157] + "…"))
    return rows


def _utc(epoch: float) -> str:
    return dt.datetime.fromtimestamp(float(epoch), dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def environment_rows(
    environment: Mapping[str, Any], timings: pd.DataFrame | None = None
) -> dict[str, list[tuple[str, str]]]:
    """Sections of the environment table: when, machine and Python, each build, the config."""
    meta = environment.get("metadata", {}) or {}
    machine = []
    if timings is not None and len(timings) and {"started_at", "ended_at"} <= set(timings.columns):
        machine.append(("trials run", f"{_utc(timings['started_at'].min())} to {_utc(timings['ended_at'].max())}"))
        if "loadavg_before" in timings.columns:
            load = timings["loadavg_before"]
            machine.append(("1-min load average before trials", f"median {load.median():.2f}, max {load.max():.2f}"))
    machine += [
        (k, str(meta[k]))
        for k in (
            "host",
            "cpu_model",
            "logical_cpus",
            "affinity",
            "python_version",
            "python_implementation",
            "gil_disabled_build",
            "gil_enabled",
            "switch_interval",
        )
        if k in meta
    ]
    machine += [(f"package {k}", str(v)) for k, v in sorted((meta.get("packages") or {}).items())]
    if timings is not None and len(timings) and "host" in timings.columns:
        machine += where_trials_ran(timings)
    sections = {"Machine and Python": machine}
    for backend, manifest in sorted((environment.get("manifests") or {}).items()):
        sections[f"Build: {backend}"] = flatten(manifest)
    sections["Configuration"] = flatten(environment.get("config") or {})
    return sections


def where_trials_ran(timings: pd.DataFrame) -> list[tuple[str, str]]:
    """Host (and Slurm node and job count, when submitted through Slurm) of every trial."""
    rows = []
    node = timings["slurm_node"] if "slurm_node" in timings.columns else pd.Series([None] * len(timings))
    jobs = timings["slurm_job_id"] if "slurm_job_id" in timings.columns else pd.Series([None] * len(timings))
    frame = pd.DataFrame({"host": timings["host"].values, "node": node.values, "job": jobs.values})
    for host, group in frame.groupby("host", sort=True):
        under_slurm = group["job"].notna()
        text = f"{len(group)} trials"
        if under_slurm.any():
            nodes = ", ".join(sorted(group.loc[under_slurm, "node"].dropna().astype(str).unique()))
            text += f"; {int(under_slurm.sum())} under Slurm ({group['job'].nunique()} jobs, node {nodes})"
        else:
            text += ", run locally (not under Slurm)"
        rows.append((f"trials on {host}", text))
    return rows


def context(inputs: Inputs) -> dict[str, Any]:
    return {"environment": environment_rows(inputs.environment, inputs.timings)}


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    return []  # the Markdown carries the tables; environment.json holds all of this
