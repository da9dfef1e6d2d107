"""Interference: what took the CPUs while trials timed, how much, and what the pipeline cured.

The cause is measured, not guessed (rtg/trial/disturbance.py): hypervisor steal
on a VM, other programs, or the pipeline's own jobs when trials share the
machine on purpose. The table lists every cell where a run was set aside, a
trial measured again or one stayed disturbed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import interference
from rtg.report.base import Inputs
from rtg.report.fmt import fmt_n, markdown_table

ID = "interference"


def cells_display(cells: pd.DataFrame) -> pd.DataFrame:
    """The per-cell table in words and rounded numbers."""
    rows = [
        {
            "cell": f"{r['backend']} / {r['scenario']} / n={fmt_n(r['n'])}",
            "cause": r["cause"] or "–",
            "stayed disturbed": f"{int(r['disturbed_trials'])} of {int(r['trials'])} trials",
            "runs set aside": int(r["set_aside_runs"]),
            "runs measured anew": int(r["replacement_runs"]),
            "trials measured again": int(r["remeasured_trials"]),
            "steal (CPU-s)": f"{r['steal_s']:.2f}",
            "other processes (CPU-s)": f"{r['others_cpu_s']:.2f}",
            "workers' run delay (s)": f"{r['run_delay_s']:.3f}",
            "gate waited (s)": f"{r['quiet_wait_s']:.1f}",
        }
        for _, r in cells.iterrows()
    ]
    return pd.DataFrame(rows)


def context(inputs: Inputs) -> dict[str, Any]:
    info = interference.overview(inputs.timings)
    table = cells_display(interference.cells(inputs.timings))
    return {
        "interference_measured": bool(info.get("trials")),
        "interference_sentences": interference.sentences(info),
        "interference_cells": table.to_dict("split"),
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    if not ctx["interference_measured"]:
        return []
    split = ctx["interference_cells"]
    lines = ["## Interference", "", *ctx["interference_sentences"], ""]
    if split["data"]:
        lines += [markdown_table(pd.DataFrame(split["data"], columns=split["columns"])), ""]
    return lines
