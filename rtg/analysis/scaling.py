"""Thread scaling: how much faster T threads of one function got through T calls than one thread, per interpreter.

T threads each make the call once; if they ran fully in parallel they took the
time of one call, so the speedup is T·t(1)/t(T) = T ÷ ratio, where ratio is the
summary's wall time of the T-thread cell over its one-thread baseline (with its
two-level bootstrap 95 % CI). The interval turns over with the division: the
speedup's low end comes from the ratio's high end. Parallel efficiency is
speedup ÷ T (1 = ideal). The T = 1 row is 1 by definition.

Every interpreter is a row of its own: a GIL build and a free-threaded one side
by side is the point. Threads executor only, scenarios of one mode only
(``call+call+call``), as in rtg/analysis/gil_release.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from rtg.analysis import functions

#: A function scales when, at its largest thread count, its efficiency's whole 95 % CI lies above this
#: (on 2 threads: a speedup above 1.5×, two threads ÷ one below 1.33×).
SCALES_ABOVE = 0.75
#: ... and gained nothing when its speedup's whole CI lies below this (two threads ÷ one above 1.67×).
NO_GAIN_BELOW = 1.2
SCALES, SOME_GAIN, NO_GAIN, SLOWER, UNCLEAR = "scales", "some gain", "no gain", "slower", "unclear"
#: The rule in words (the report says it).
RULE = (
    f"a function scales when, at its largest thread count T, the whole 95 % CI of its parallel efficiency "
    f"(speedup ÷ T) lies above {SCALES_ABOVE:.0%}; it gained nothing when its speedup's CI lies below "
    f"{NO_GAIN_BELOW:g}×, and ran slower when it lies below 1×"
)
#: The columns a script can rely on, first and in this order (results/scaling.csv).
COLUMNS: tuple[str, ...] = (
    "function", "interpreter", "gil_enabled", "threads", "speedup", "speedup_ci_low", "speedup_ci_high", "efficiency",
)  # fmt: skip


def _over(numerator: float, value: float) -> float:
    """numerator ÷ value, NaN when value is missing or not positive."""
    if value is None or math.isnan(value) or value <= 0:
        return math.nan
    return numerator / value


def speedup(threads: int, ratio: float, low: float, high: float) -> tuple[float, float, float]:
    """(speedup, CI low, CI high) of T threads from their wall-time ratio to one call and its CI."""
    return (_over(threads, ratio), _over(threads, high), _over(threads, low))


def table(summary: pd.DataFrame, timings: pd.DataFrame, kernels: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The table of results/scaling.csv: :data:`COLUMNS`, then the efficiency's CI, backend, mode, n, the axes,
    the build, oversubscribed and the cell's median wall time.

    Rows for every function x interpreter x n (x axes) that has a cell of two or
    more threads with a ratio; its T = 1 row first.
    """
    cells = functions.cells(summary, timings, kernels)
    axes = functions.axis_columns(cells)
    columns = [
        *COLUMNS, "efficiency_ci_low", "efficiency_ci_high", "backend", "mode", "n", *axes,
        "gil_disabled_build", "oversubscribed", "wall_median",
    ]  # fmt: skip
    if cells.empty:
        return pd.DataFrame(columns=columns)
    place = ["backend", "mode", "interpreter", "n", *axes]
    rows = []
    for _, group in cells.groupby(place, sort=False, dropna=False):
        several = group[(group["threads"] >= 2) & group["ratio"].notna()]
        one = group[group["threads"] == 1]
        if several.empty or one.empty:
            continue
        for _, cell in pd.concat([one.iloc[:1], several]).sort_values("threads").iterrows():
            t = int(cell["threads"])
            if t == 1:
                value, low, high = 1.0, 1.0, 1.0
            else:
                value, low, high = speedup(t, cell["ratio"], cell["ratio_ci_low"], cell["ratio_ci_high"])
            rows.append(
                {
                    "function": cell["function"],
                    "interpreter": cell["interpreter"],
                    "gil_enabled": bool(cell["gil_enabled"]),
                    "threads": t,
                    "speedup": value,
                    "speedup_ci_low": low,
                    "speedup_ci_high": high,
                    "efficiency": value / t,
                    "efficiency_ci_low": low / t,
                    "efficiency_ci_high": high / t,
                    "backend": cell["backend"],
                    "mode": cell["mode"],
                    "n": int(cell["n"]),
                    **{axis: cell[axis] for axis in axes},
                    "gil_disabled_build": bool(cell["gil_disabled_build"]),
                    "oversubscribed": bool(cell["oversubscribed"]),
                    "wall_median": float(cell["wall_median"]) if "wall_median" in cell else np.nan,
                }
            )
    out = pd.DataFrame(rows, columns=columns)
    if len(out):
        out = out.sort_values(["function", "interpreter", "n", *axes, "threads"]).reset_index(drop=True)
    return out


def judge(row: Mapping[str, Any]) -> str:
    """Scales, some gain, no gain, slower or unclear (:data:`RULE`): one row of the table, T >= 2."""
    low, high, t = row["speedup_ci_low"], row["speedup_ci_high"], row["threads"]
    if math.isnan(low) or math.isnan(high):
        return UNCLEAR
    if high < 1:
        return SLOWER
    if high < NO_GAIN_BELOW:
        return NO_GAIN
    if low / t > SCALES_ABOVE:
        return SCALES
    return SOME_GAIN


def largest(found: pd.DataFrame) -> pd.DataFrame:
    """Each function's row at its largest thread count, per interpreter, n and axes, with its ``judgement``."""
    if found.empty:
        return found.assign(judgement=pd.Series(dtype=str))
    place = [c for c in found.columns if c in ("function", "interpreter", "n", *functions.AXIS_COLUMNS)]
    top = found.loc[found.groupby(place, dropna=False)["threads"].idxmax()]
    top = top[top["threads"] >= 2]
    return top.assign(judgement=[judge(r) for r in top.to_dict("records")]).reset_index(drop=True)


def headline(found: pd.DataFrame) -> str:
    """'On CPython 3.14t, 5 of 8 calls scale with threads; on CPython 3.14, 3 of 8' (free-threaded first)."""
    top = largest(found)
    if top.empty:
        return "No function ran on more than one thread"
    parts = []
    order = top.groupby("interpreter")["gil_disabled_build"].any().sort_values(ascending=False, kind="stable")
    for index, interpreter in enumerate(order.index):
        mine = top[top["interpreter"] == interpreter]
        scaled = int((mine["judgement"] == SCALES).sum())
        name = functions.interpreter_name(interpreter)
        noun = "call scales" if len(mine) == 1 else "calls scale"
        parts.append(
            f"On {name}, {scaled} of {len(mine)} {noun} with threads"
            if index == 0
            else f"on {name}, {scaled} of {len(mine)}"
        )
    return "; ".join(parts)
