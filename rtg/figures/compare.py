"""The comparison figure: one point per cell, new ÷ old with its CI on a log axis, coloured by verdict."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from rtg.figures.style import fmt_n, placeholder, style

#: Okabe-Ito: faster blue, slower vermilion, no change grey.
VERDICT_COLOURS = {"faster": "#0072B2", "slower": "#D55E00", "no significant change": "#999999"}

__all__ = ["fig_compare", "headline"]


def headline(table: pd.DataFrame) -> str:
    """'3 cells slower, 9 without significant change' (a title that states the finding)."""
    both = table[table["verdict"].isin(VERDICT_COLOURS)]
    if both.empty:
        return "No cell was measured in both runs"
    counts = both["verdict"].value_counts()
    parts = [f"{counts[v]} {'cell' if counts[v] == 1 else 'cells'} {v}" for v in VERDICT_COLOURS if v in counts]
    return ", ".join(parts) + f" (of {len(both)} cells in both runs)"


def fig_compare(table: pd.DataFrame, threshold: float) -> Figure:
    both = table[table["verdict"].isin(VERDICT_COLOURS)].reset_index(drop=True)
    if both.empty:
        return placeholder("No cell was measured in both runs: nothing to compare.")
    style()
    labels = [
        f"{r.backend} {r.scenario} n={fmt_n(r.n)}"
        + (f" vs {Path(r.earlier_run).name}" if len(set(both.earlier_run)) > 1 else "")
        for r in both.itertuples()
    ]
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(both) + 1.8))
    y = np.arange(len(both))
    for verdict, colour in VERDICT_COLOURS.items():
        mine = both["verdict"] == verdict
        if not mine.any():
            continue
        rows = both[mine]
        low = (rows["ratio"] - rows["ratio_ci_low"]).clip(lower=0).fillna(0)
        high = (rows["ratio_ci_high"] - rows["ratio"]).clip(lower=0).fillna(0)
        ax.errorbar(
            rows["ratio"], y[mine.to_numpy()], xerr=[low, high], fmt="o", color=colour, capsize=3, label=verdict
        )
    ax.axvspan(1 - threshold, 1 + threshold, color="#eeeeee", zorder=0, label=f"±{threshold:.0%}")
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_xscale("log")
    # Plain factors (0.95×, 1×, 1.05×) instead of 9.5 × 10^-1 on a log axis that spans less than a decade.
    factor = FuncFormatter(lambda value, _: f"{value:.3g}×")
    ax.xaxis.set_major_formatter(factor)
    ax.xaxis.set_minor_formatter(factor)
    ax.tick_params(axis="x", which="minor", labelsize=7)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("wall time now ÷ earlier (×, log scale)")
    ax.legend(fontsize=8, frameon=False, loc="best")
    fig.suptitle(headline(table), fontsize=11)
    fig.tight_layout()
    return fig
