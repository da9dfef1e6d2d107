"""Race outcome: in how many runs did the threads never overlap, per cell, and did the machine drift?

The start-order effect is a race between the main thread starting the second
thread and the first thread's call. With short calls the wall-time ratio
alone cannot show it (process start-up and noise bury a 0.25 ms call), but
the outcome of each run can: serialized or not (rtg/trial/race.py). This section
puts that fraction beside the ratio for every multi-thread cell, names the
cells whose runs split between both outcomes, compares a process's first run
with its later ones (and pinned with unpinned runs when a grid has both),
and shows the drift of the machine over the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from rtg.analysis import stats
from rtg.figures import race as race_figures
from rtg.report.base import Inputs
from rtg.report.fmt import fmt_n, fmt_ratio, markdown_table, png_data_uri

ID = "race"
TITLE = "Race outcome: did the threads overlap?"


def fmt_share(value: float, low: float = float("nan"), high: float = float("nan")) -> str:
    """'100 % (95 % CI 99–100 %)', or '–' for single-thread cells."""
    if pd.isna(value):
        return "–"
    text = f"{value:.0%}"
    if not (pd.isna(low) or pd.isna(high)):
        text += f" (95 % CI {low:.0%}–{high:.0%})"
    return text


def _label(row: pd.Series, keys: list[str]) -> str:
    return " · ".join(str(row[k]) for k in keys)


def verdicts(summary: pd.DataFrame) -> list[str]:
    """One sentence per backend (and axes) x n: is the start-order race resolved?"""
    keys = [k for k in stats.group_key_columns(summary) if k != "n"]
    lines = []
    cells = summary.dropna(subset=["serialized_fraction"])
    for key, group in cells.groupby([*keys, "n"], sort=True):
        by = group.set_index("scenario")
        if not {"gil+nogil", "nogil+gil"} <= set(by.index):
            continue
        first, second = by.loc["gil+nogil"], by.loc["nogil+gil"]
        resolved = first["serialized_ci_low"] > second["serialized_ci_high"]
        label = " · ".join(str(k) for k in key[:-1])
        verdict = (
            "resolved: a GIL-holding first call keeps the second thread from starting, a releasing one does not"
            if resolved
            else "not resolved: the intervals overlap"
        )
        lines.append(
            f"{label}, n = {fmt_n(key[-1])}: gil+nogil serialized in "
            f"{fmt_share(first['serialized_fraction'], first['serialized_ci_low'], first['serialized_ci_high'])} "
            f"of runs, nogil+gil in "
            f"{fmt_share(second['serialized_fraction'], second['serialized_ci_low'], second['serialized_ci_high'])}"
            f" — {verdict}."
        )
    return lines


def cells_display(summary: pd.DataFrame) -> pd.DataFrame:
    """Every multi-thread cell: processes, runs, serialized share and the ratio to one call."""
    keys = [k for k in stats.group_key_columns(summary) if k != "n"]
    multi = summary[summary["threads"] >= 2]
    rows = []
    for _, r in multi.iterrows():
        rows.append(
            {
                "cell": _label(r, keys),
                "n": fmt_n(r["n"]),
                "scenario": r["scenario"],
                "processes × runs": f"{int(r['processes'])} × {r['runs'] / max(1, r['processes']):.0f}",
                "serialized runs": fmt_share(r["serialized_fraction"], r["serialized_ci_low"], r["serialized_ci_high"]),
                "wall ÷ one call": fmt_ratio(r.get("ratio"), r.get("ratio_ci_low"), r.get("ratio_ci_high")),
                "note": "two outcomes: the median describes neither" if bool(r.get("bimodal")) else "",
            }
        )
    return pd.DataFrame(
        rows, columns=["cell", "n", "scenario", "processes × runs", "serialized runs", "wall ÷ one call", "note"]
    )


def first_vs_later(runs: pd.DataFrame | None) -> pd.DataFrame:
    """Serialized share of each process's first run against its later runs, per multi-thread cell."""
    columns = ["backend", "scenario", "n", "first runs serialized", "later runs serialized"]
    if runs is None or runs.empty or runs["run"].max() < 2:
        return pd.DataFrame(columns=columns)
    multi = runs[runs["threads"] >= 2]
    rows = []
    for (backend, scenario, n), cell in multi.groupby(["backend", "scenario", "n"], sort=True):
        first = stats.truthy(cell.loc[cell["run"] == 1, "serialized"])
        later = stats.truthy(cell.loc[cell["run"] > 1, "serialized"])
        if later.empty:
            continue
        rows.append(
            {
                "backend": backend,
                "scenario": scenario,
                "n": fmt_n(n),
                "first runs serialized": f"{int(first.sum())} of {len(first)}",
                "later runs serialized": f"{later.mean():.0%} of {len(later)}",
            }
        )
    return pd.DataFrame(rows, columns=columns)


def pinned_vs_unpinned(runs: pd.DataFrame | None) -> pd.DataFrame:
    """Serialized share by pinning, for grids whose runs used both settings (empty otherwise)."""
    columns = ["backend", "scenario", "n", "pinned", "runs", "serialized"]
    if runs is None or runs.empty:
        return pd.DataFrame(columns=columns)
    pinned = stats.truthy(runs["pinned"])
    if pinned.nunique() < 2:
        return pd.DataFrame(columns=columns)
    multi = runs.assign(pinned=pinned)[runs["threads"] >= 2]
    table = (
        multi.assign(serialized=stats.truthy(multi["serialized"]))
        .groupby(["backend", "scenario", "n", "pinned"], sort=True)["serialized"]
        .agg(runs="size", serialized="mean")
        .reset_index()
    )
    table["n"] = table["n"].map(fmt_n)
    table["serialized"] = table["serialized"].map(lambda x: f"{x:.0%}")
    return table[columns]


def design(summary: pd.DataFrame) -> str:
    """How many processes and runs the numbers rest on, and how the intervals treat them."""
    if summary.empty:
        return ""
    processes = int(np.median(summary["processes"]))
    runs = summary["runs"] / summary["processes"].clip(lower=1)
    return (
        f"Each cell rests on {processes} processes (median) of {runs.min():.0f}–{runs.max():.0f} timed runs each. "
        "A process is the independent unit: medians and ratios come with a two-level bootstrap (processes, then "
        "the runs inside each), the serialized shares with a Wilson interval on the number of runs shrunk by how "
        "much the processes disagree (Kish's design effect), and the rank test compares one value per process."
    )


def context(inputs: Inputs) -> dict[str, Any]:
    parts = inputs.parts
    summary = parts["summary"]
    runs = parts.get("runs")
    found = race_figures.drift(inputs.timings)
    return {
        "race_title": TITLE,
        "race_verdicts": verdicts(summary),
        "race_design": design(summary),
        "race_cells": cells_display(summary).to_dict("split"),
        "race_first": first_vs_later(runs).to_dict("split"),
        "race_pinning": pinned_vs_unpinned(runs).to_dict("split"),
        "race_drift": race_figures.drift_headline(found),
        "race_figures": [
            {"name": name, "caption": caption, "src": png_data_uri(inputs.figure_paths[name])}
            for name, caption in race_figures.FIGURES.items()
            if name in inputs.figure_paths
        ],
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    out = [f"## {TITLE}", ""]
    out += [f"- {line}" for line in ctx["race_verdicts"]] or ["- No cell has both gil+nogil and nogil+gil."]
    out += ["", ctx["race_design"], "", markdown_table(cells_display(parts["summary"])), ""]
    first = first_vs_later(parts.get("runs"))
    if len(first):
        out += ["First run of each process against its later runs:", "", markdown_table(first), ""]
    pinning = pinned_vs_unpinned(parts.get("runs"))
    if len(pinning):
        out += ["Pinned against unpinned runs:", "", markdown_table(pinning), ""]
    out += [f"Drift: {ctx['race_drift']}.", ""]
    out += [f"- `figures/{f['name']}.png`: {f['caption']}" for f in ctx["race_figures"]]
    return [*out, ""]
