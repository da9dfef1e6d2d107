"""Call patterns: what k calls per thread and the switch interval do to the answer.

From the summary table (one row per cell, ratios to one call with CIs) this
module derives what the call-patterns section and figure state:

- :func:`points`: each multi-thread cell's ratio against the length of one
  call, i.e. the single-thread cell's median wall time ÷ k;
- :func:`break_even`: per backend and switch interval, the shortest call at
  which releasing the GIL in one thread (``nogil+gil``) still gives a
  speed-up of :data:`SPEEDUP` or more over running the two calls one after
  the other (speed-up = 2 ÷ the ratio to one call, CI from the ratio's);
- :func:`claim3`: the blog's claim 3 ("nogil first ≈ 1×") judged per k.
"""

from __future__ import annotations

import math

import pandas as pd

from rtg.analysis import claims, stats

#: The speed-up that makes releasing the GIL in one thread worth it, in the break-even.
SPEEDUP = 1.5
PATTERN_COLUMNS = ("calls_per_thread", "switch_interval_ms")


def varies(summary: pd.DataFrame) -> bool:
    """The grid has more than one call pattern (k or switch interval): the section is shown."""
    return any(c in summary.columns and summary[c].nunique() > 1 for c in PATTERN_COLUMNS)


def _group_keys(summary: pd.DataFrame) -> list[str]:
    """One group per cell but for its scenario: every axis the table has (rtg/core/axes.py) keeps cells apart."""
    return stats.group_key_columns(summary)


def points(summary: pd.DataFrame) -> pd.DataFrame:
    """Multi-thread cells with ``call_s`` (one call's length) beside their ratio and CI."""
    columns = ["backend", "switch_interval_ms", "calls_per_thread", "n", "scenario", "call_s",
               "ratio", "ratio_ci_low", "ratio_ci_high"]  # fmt: skip
    if summary.empty or not all(c in summary.columns for c in PATTERN_COLUMNS):
        return pd.DataFrame(columns=columns)
    rows = []
    keys = _group_keys(summary)
    for key, group in summary.groupby(keys, sort=True):
        cell = dict(zip(keys, key, strict=True))
        singles = group[group["threads"] == 1].set_index("scenario")["wall_median"]
        one = singles.get("nogil", singles.get("gil", math.nan))
        for _, row in group[group["threads"] >= 2].iterrows():
            rows.append({**{c: cell[c] for c in ("backend", "switch_interval_ms", "calls_per_thread", "n")},
                         "scenario": row["scenario"], "call_s": one / cell["calls_per_thread"],
                         "ratio": row.get("ratio"), "ratio_ci_low": row.get("ratio_ci_low"),
                         "ratio_ci_high": row.get("ratio_ci_high")})  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def break_even(summary: pd.DataFrame) -> pd.DataFrame:
    """Per backend and switch interval: the shortest call still giving >= 1.5x, and the longest that does not.

    ``holds_from_s``: the shortest measured call whose whole speed-up CI is at
    or above 1.5; ``fails_at_s``: the longest measured call whose whole CI is
    below it. The break-even lies between them (NaN where no measured call
    qualifies); ``speedup*`` give the values at those two calls.
    """
    pts = points(summary)
    pair = pts[pts["scenario"] == "nogil+gil"].copy()
    columns = ["backend", "switch_interval_ms", "holds_from_s", "speedup_at_holds", "fails_at_s", "speedup_at_fails"]
    if pair.empty:
        return pd.DataFrame(columns=columns)
    pair["speedup"] = 2 / pair["ratio"]
    pair["speedup_low"] = 2 / pair["ratio_ci_high"]
    pair["speedup_high"] = 2 / pair["ratio_ci_low"]
    rows = []
    for (backend, si), group in pair.groupby(["backend", "switch_interval_ms"], sort=True):
        holds = group[group["speedup_low"] >= SPEEDUP].sort_values("call_s")
        fails = group[group["speedup_high"] < SPEEDUP].sort_values("call_s")
        first, last = (holds.iloc[0] if len(holds) else None), (fails.iloc[-1] if len(fails) else None)
        rows.append({
            "backend": backend, "switch_interval_ms": si,
            "holds_from_s": first["call_s"] if first is not None else math.nan,
            "speedup_at_holds": _interval(first),
            "fails_at_s": last["call_s"] if last is not None else math.nan,
            "speedup_at_fails": _interval(last),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _interval(row: pd.Series | None) -> str:
    if row is None:
        return "–"
    return f"{row['speedup']:.2f}× (95 % CI {row['speedup_low']:.2f}–{row['speedup_high']:.2f})"


def claim3(summary: pd.DataFrame) -> pd.DataFrame:
    """Claim 3 (nogil+gil ≈ 1× one call) judged per backend, switch interval and k."""
    band = claims.CLAIMS[3].band
    pts = points(summary)
    pair = pts[pts["scenario"] == "nogil+gil"]
    rows = [
        {"backend": r.backend, "switch_interval_ms": r.switch_interval_ms, "calls_per_thread": r.calls_per_thread,
         "call_s": r.call_s, "ratio": r.ratio, "ratio_ci_low": r.ratio_ci_low, "ratio_ci_high": r.ratio_ci_high,
         "verdict": claims.verdict(r.ratio_ci_low, r.ratio_ci_high, band)}
        for r in pair.itertuples()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["backend", "switch_interval_ms", "calls_per_thread", "call_s", "ratio",
                                       "ratio_ci_low", "ratio_ci_high", "verdict"])  # fmt: skip


def headline(summary: pd.DataFrame) -> str:
    """The figure's title: where the break-even lies (or that it was not bracketed)."""
    table = break_even(summary)
    if table.empty:
        return "No nogil+gil cell: the break-even of releasing the GIL in one thread is not measured"
    parts = []
    for r in table.itertuples():
        if not math.isnan(r.holds_from_s):
            parts.append(
                f"{r.backend} ({r.switch_interval_ms:g} ms): ≥{SPEEDUP:g}× from {r.holds_from_s * 1e3:.3g} ms calls"
            )
        else:
            parts.append(f"{r.backend} ({r.switch_interval_ms:g} ms): never ≥{SPEEDUP:g}× in this grid")
    return "Releasing the GIL in one thread: " + "; ".join(parts)
