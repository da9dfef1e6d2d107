"""Which calls release the GIL: two threads of one call against one thread, on every interpreter with a GIL.

On an interpreter with a GIL, a call that releases it lets a second thread run
beside it, so two threads of the call take about the time of one (1×); a call
that holds it makes the second thread wait for the first (2×). The one-thread
cell adds a second witness: a Python heartbeat thread beside one call cannot
run while the call holds the GIL, and with one worker on a machine of two or
more CPUs nothing else keeps it off a CPU, so its stall share is the GIL's.

One row per function (kernel x mode, rtg/analysis/functions.py) x interpreter
x n and every other axis that varies, threads executor only: separate
processes never share a GIL. Each verdict is held against what the called
code's source says (``source_says``), and a disagreement is a row like any
other, never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import functions

#: Two threads ÷ one whose whole 95 % CI lies below this: the call releases the GIL.
RELEASES_BELOW = 1.3
#: ... whose whole CI lies above this: the call holds it (two calls one after the other are 2×).
HOLDS_ABOVE = 1.7
RELEASES, HOLDS, PARTLY, UNCLEAR = "releases", "holds", "partly", "unclear"
VERDICTS: tuple[str, ...] = (RELEASES, HOLDS, PARTLY, UNCLEAR)
#: The rule in words: the report, the CSV's caption and the docs say it in these terms.
RULE = (
    f"releases when the whole 95 % CI of two threads ÷ one lies below {RELEASES_BELOW:g}×, holds when it lies "
    f"above {HOLDS_ABOVE:g}×, partly when it lies within {RELEASES_BELOW:g}–{HOLDS_ABOVE:g}×, and unclear when it "
    f"crosses {RELEASES_BELOW:g}× or {HOLDS_ABOVE:g}× (or there is no CI: one trial)"
)
#: The columns a script can rely on, first and in this order (results/gil_release.csv).
COLUMNS: tuple[str, ...] = (
    "function", "interpreter", "gil_enabled", "ratio", "ratio_ci_low", "ratio_ci_high", "stall_share", "verdict",
)  # fmt: skip


def verdict(low: float, high: float) -> str:
    """The rule (:data:`RULE`) applied to a ratio's 95 % CI."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return UNCLEAR
    if high < RELEASES_BELOW:
        return RELEASES
    if low > HOLDS_ABOVE:
        return HOLDS
    if low >= RELEASES_BELOW and high <= HOLDS_ABOVE:
        return PARTLY
    return UNCLEAR


def agrees(measured: str, says: str | None) -> bool | None:
    """Whether a verdict matches the source's claim; None when either is unknown (no claim, or unclear)."""
    if says is None or measured == UNCLEAR:
        return None
    return measured == says


def table(summary: pd.DataFrame, timings: pd.DataFrame, kernels: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The table of results/gil_release.csv: :data:`COLUMNS`, then backend, mode, n, the axes, the build,
    oversubscribed, source_says, source_cites, agrees.

    A row needs the pair ``m+m`` with its ratio to ``m`` (the summary's) on an
    interpreter whose GIL was on in that cell; the stall share is the one-thread
    cell's.
    """
    cells = functions.cells(summary, timings, kernels)
    axes = functions.axis_columns(cells)
    columns = [
        *COLUMNS, "backend", "mode", "n", *axes, "gil_disabled_build", "oversubscribed",
        "source_says", "source_cites", "agrees",
    ]  # fmt: skip
    if cells.empty:
        return pd.DataFrame(columns=columns)
    singles = cells[cells["threads"] == 1]
    pairs = cells[(cells["threads"] == 2) & cells["gil_enabled"] & cells["ratio"].notna()]
    place = ["backend", "mode", "interpreter", "n", *axes]
    one = singles[place + ["stall_share"]].rename(columns={"stall_share": "one_thread_stall"})
    pairs = pairs.drop(columns="stall_share").merge(one.drop_duplicates(place), on=place, how="left")
    rows = []
    for _, pair in pairs.iterrows():
        low, high = float(pair["ratio_ci_low"]), float(pair["ratio_ci_high"])
        measured = verdict(low, high)
        says, cites = functions.source(pair["backend"], pair["mode"], kernels)
        rows.append(
            {
                "function": pair["function"],
                "interpreter": pair["interpreter"],
                "gil_enabled": True,
                "ratio": float(pair["ratio"]),
                "ratio_ci_low": low,
                "ratio_ci_high": high,
                "stall_share": float(pair["one_thread_stall"]),
                "verdict": measured,
                "backend": pair["backend"],
                "mode": pair["mode"],
                "n": int(pair["n"]),
                **{axis: pair[axis] for axis in axes},
                "gil_disabled_build": bool(pair["gil_disabled_build"]),
                "oversubscribed": bool(pair["oversubscribed"]),
                "source_says": says,
                "source_cites": cites,
                "agrees": agrees(measured, says),
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    if len(out):
        out = out.sort_values(["interpreter", "function", "n", *axes]).reset_index(drop=True)
    return out


def known(value: Any) -> bool | None:
    """An ``agrees`` cell as True, False or None (unknown), whatever pandas made of it (NaN, numpy bools)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return bool(value)


def disagreements(found: pd.DataFrame) -> pd.DataFrame:
    """The rows whose verdict contradicts their source."""
    if found.empty:
        return found
    return found[found["agrees"].map(lambda a: known(a) is False)]
