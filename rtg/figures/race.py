"""Figures of the race outcome and of the machine's drift over a run.

One figure family; the style every figure shares comes from rtg/figures/style.py.
Each function returns a Figure whose title states the finding, computed from the data.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats as sps

from rtg.analysis import stats
from rtg.figures.style import fmt_n, placeholder, scenario_order, scenario_palette, style

#: figure name -> caption; the race section of the report shows these.
FIGURES: dict[str, str] = {
    "race": "Share of runs in which the threads never overlapped (serialized), per scenario and n, with 95 % CIs.",
    "drift": "Single-thread trials' wall time, relative to their cell's median, against when they ran.",
}


def race_headline(summary: pd.DataFrame) -> str:
    """'At n = 1e6, gil+nogil serialized 100 % of runs, nogil+gil 0 %' at the smallest n that has both."""
    cells = summary.dropna(subset=["serialized_fraction"])
    pair = cells[cells["scenario"].isin(["gil+nogil", "nogil+gil"])]
    if pair.empty:
        if cells.empty:
            return "No scenario with two or more threads: nothing can serialize"
        share = cells["serialized_fraction"].median()
        return f"Multi-thread runs serialized in {share:.0%} of runs (median over cells)"
    n = int(pair["n"].min())
    at = pair[pair["n"] == n].groupby("scenario")["serialized_fraction"].median()
    parts = [f"{s} serialized {at[s]:.0%} of runs" for s in ("gil+nogil", "nogil+gil") if s in at]
    return f"At n = {fmt_n(n)}: " + ", ".join(parts)


def fig_race(summary: pd.DataFrame) -> Figure:
    """Serialized fraction against n (log x), one line per multi-thread scenario, a panel per backend."""
    cells = summary.dropna(subset=["serialized_fraction"])
    if cells.empty:
        return placeholder("No scenario with two or more threads in this grid.")
    style()
    backends = sorted(cells["backend"].unique())
    order = scenario_order(cells["scenario"])
    palette = scenario_palette(order)
    fig, axes = plt.subplots(1, len(backends), figsize=(4.4 * len(backends) + 1, 4.0), sharey=True, squeeze=False)
    for ax, backend in zip(axes[0], backends, strict=True):
        mine = cells[cells["backend"] == backend]
        for offset, scenario in enumerate(order):
            line = mine[mine["scenario"] == scenario].groupby("n").median(numeric_only=True).reset_index()
            if line.empty:
                continue
            # A small multiplicative offset keeps the CIs of scenarios at the same n apart.
            x = line["n"] * (1.06 ** (offset - len(order) / 2))
            low = (line["serialized_fraction"] - line["serialized_ci_low"]).clip(lower=0).fillna(0)
            high = (line["serialized_ci_high"] - line["serialized_fraction"]).clip(lower=0).fillna(0)
            ax.errorbar(
                x,
                line["serialized_fraction"] * 100,
                yerr=[low * 100, high * 100],
                marker="o",
                capsize=4,
                color=palette[scenario],
                label=scenario,
            )
        ax.set_xscale("log")
        ax.set_ylim(-5, 105)
        ax.set_title(backend)
        ax.set_xlabel("n (loop iterations per call)")
        ax.set_ylabel("serialized runs (%)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(1, len(labels)), fontsize=8, frameon=False)
    fig.suptitle(race_headline(summary), fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def drift_table(timings: pd.DataFrame) -> pd.DataFrame:
    """Single-thread trials with ``relative`` (wall ÷ its cell's median) and ``minutes`` since the run began."""
    valid = stats.valid_trials(timings)
    single = valid[valid["threads"] == 1].copy()
    if single.empty or "started_at" not in single.columns:
        return single.assign(relative=[], minutes=[])
    keys = stats.cell_key_columns(single)
    single["relative"] = single["wall_s"] / single.groupby(keys)["wall_s"].transform("median")
    single["minutes"] = (single["started_at"] - valid["started_at"].min()) / 60
    return single


def drift(timings: pd.DataFrame) -> dict[str, float]:
    """Theil–Sen slope of the single-thread trials' relative wall time over the run, as a total change.

    ``change`` is the fitted relative change from the first to the last
    trial (0.02 = 2 % slower at the end), with the slope's 95 % interval.
    """
    table = drift_table(timings)
    nan = float("nan")
    if len(table) < 3 or table["minutes"].nunique() < 2:
        return {"change": nan, "low": nan, "high": nan, "minutes": nan, "trials": len(table)}
    slope, _, low, high = sps.theilslopes(table["relative"], table["minutes"], alpha=0.95)
    span = float(table["minutes"].max() - table["minutes"].min())
    return {"change": slope * span, "low": low * span, "high": high * span, "minutes": span, "trials": len(table)}


def drift_headline(found: dict[str, float]) -> str:
    if np.isnan(found["change"]):
        return "Drift: too few single-thread trials to tell"
    span = f"over {found['minutes']:.1f} min ({found['trials']} single-thread trials)"
    interval = f"95 % CI {found['low']:+.1%} to {found['high']:+.1%}"
    if found["low"] <= 0 <= found["high"]:
        return f"No measurable drift {span}: {found['change']:+.1%} ({interval})"
    return f"The machine drifted {span}: {found['change']:+.1%} ({interval})"


def fig_drift(timings: pd.DataFrame) -> Figure:
    """Each single-thread trial's wall ÷ its cell median against the minute it ran, one colour per backend."""
    table = drift_table(timings)
    if table.empty:
        return placeholder("No single-thread trial in this grid: nothing to show drift with.")
    style()
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    for backend, mine in table.groupby("backend"):
        ax.scatter(mine["minutes"], mine["relative"], s=18, alpha=0.8, label=str(backend))
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xlabel("time since the first trial started (min)")
    ax.set_ylabel("wall time ÷ its cell median (×)")
    ax.legend(fontsize=8, frameon=False)
    found = drift(timings)
    ns = ", ".join(fmt_n(n) for n in sorted(table["n"].unique()))
    fig.suptitle(f"{drift_headline(found)}\n(n = {ns})", fontsize=10)
    fig.tight_layout()
    return fig


def make_all(timings: pd.DataFrame, summary: pd.DataFrame) -> dict[str, Figure]:
    return {"race": fig_race(summary), "drift": fig_drift(timings)}
