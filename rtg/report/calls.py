"""Call patterns: many short calls, the switch interval, and the other Python threads of the program.

Shown when the grid has more than one ``calls_per_thread`` or
``switch_interval_ms``. It states the break-even call length in plain words
first (rtg/analysis/patterns.py), then the figure, claim 3 judged per k, and the
heartbeat's stalls per scenario when the heartbeat ran.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import patterns, stats
from rtg.figures import calls as call_figures
from rtg.report.base import Inputs
from rtg.report.fmt import fmt_ratio, markdown_table, png_data_uri

ID = "calls"
TITLE = "Call patterns: many short calls and the switch interval"


def _ms(seconds: float) -> str:
    return "–" if seconds is None or pd.isna(seconds) else f"{seconds * 1e3:.3g} ms"


def plain_words(summary: pd.DataFrame) -> list[str]:
    """One sentence per backend and switch interval, for the person deciding where to release the GIL."""
    lines = []
    for r in patterns.break_even(summary).itertuples():
        where = f"{r.backend}, switch interval {r.switch_interval_ms:g} ms"
        if not math.isnan(r.holds_from_s) and not math.isnan(r.fails_at_s):
            lines.append(
                f"{where}: releasing the GIL in one thread next to a GIL-holding one pays "
                f"({patterns.SPEEDUP:g}× or more) for calls of {_ms(r.holds_from_s)} and longer "
                f"({r.speedup_at_holds}); at {_ms(r.fails_at_s)} per call it gave {r.speedup_at_fails}. "
                f"The break-even lies between."
            )
        elif not math.isnan(r.holds_from_s):
            lines.append(f"{where}: it paid for every call length measured, down to {_ms(r.holds_from_s)} "
                         f"({r.speedup_at_holds}).")  # fmt: skip
        elif not math.isnan(r.fails_at_s):
            lines.append(f"{where}: it never paid {patterns.SPEEDUP:g}× in this grid; at {_ms(r.fails_at_s)} per "
                         f"call it gave {r.speedup_at_fails}.")  # fmt: skip
        else:
            lines.append(f"{where}: no measured call length decides it (every CI straddles {patterns.SPEEDUP:g}×).")
    if lines:
        lines.append(
            "Why: a thread that releases the GIL must take it back after every call to run its Python loop. "
            "Next to a thread that holds the GIL, it gets it only when the holder is made to drop it, at the switch "
            "interval, so many short calls serialize (the convoy effect) although each call released the GIL."
        )
    return lines


def claim3_display(summary: pd.DataFrame) -> pd.DataFrame:
    table = patterns.claim3(summary)
    return pd.DataFrame(
        {
            "backend": table["backend"],
            "switch interval": table["switch_interval_ms"].map(lambda v: f"{v:g} ms"),
            "calls per thread": table["calls_per_thread"],
            "one call": table["call_s"].map(_ms),
            "nogil+gil ÷ one call": [fmt_ratio(r.ratio, r.ratio_ci_low, r.ratio_ci_high) for r in table.itertuples()],
            "claim 3 (≈ 1×)": table["verdict"],
        }
    )


def heartbeat_display(timings: pd.DataFrame) -> pd.DataFrame:
    """Median over processes of each process's longest heartbeat stall and its GIL contention."""
    if "heartbeat_max_stall_s" not in timings.columns or timings["heartbeat_max_stall_s"].isna().all():
        return pd.DataFrame()
    valid = stats.valid_trials(timings).dropna(subset=["heartbeat_max_stall_s"])
    keys = ["backend", "switch_interval_ms", "calls_per_thread", "scenario"]
    table = valid.groupby(keys, sort=True).agg(
        wall=("wall_s", "median"),
        stall=("heartbeat_max_stall_s", "median"),
        p99=("heartbeat_p99_stall_s", "median"),
        contention=("gil_contention", "median"),
    )
    table = table.reset_index()
    return pd.DataFrame(
        {
            "backend": table["backend"],
            "switch interval": table["switch_interval_ms"].map(lambda v: f"{v:g} ms"),
            "calls per thread": table["calls_per_thread"],
            "scenario": table["scenario"],
            "wall": table["wall"].map(_ms),
            "longest stall": table["stall"].map(_ms),
            "stall ÷ wall": (table["stall"] / table["wall"]).map(lambda v: f"{v:.0%}"),
            "p99 stall": table["p99"].map(_ms),
            "GIL contention (gilknocker)": table["contention"].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}"),
        }
    )


def context(inputs: Inputs) -> dict[str, Any]:
    summary = inputs.parts["summary"]
    if not patterns.varies(summary):
        return {"calls_present": False}
    name = next(iter(call_figures.FIGURES))
    return {
        "calls_present": True,
        "calls_title": TITLE,
        "calls_lines": plain_words(summary),
        "calls_claim3": claim3_display(summary).to_dict("split"),
        "calls_heartbeat": heartbeat_display(inputs.timings).to_dict("split"),
        "calls_figure": png_data_uri(inputs.figure_paths[name]) if name in inputs.figure_paths else "",
        "calls_caption": patterns.headline(summary),
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    if not ctx.get("calls_present"):
        return []
    summary = parts["summary"]
    out = [f"## {TITLE}", "", *[f"- {line}" for line in ctx["calls_lines"]], ""]
    out += ["Claim 3 per call pattern:", "", markdown_table(claim3_display(summary)), ""]
    heartbeat = pd.DataFrame(**ctx["calls_heartbeat"]) if ctx["calls_heartbeat"].get("data") else None
    if heartbeat is not None and len(heartbeat):
        out += ["Heartbeat (a Python thread sleeping 1 ms in a loop) during the timed region:", "",
                markdown_table(heartbeat), ""]  # fmt: skip
    out += [f"- `figures/calls.png`: {ctx['calls_caption']}", ""]
    return out
