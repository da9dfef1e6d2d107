"""The call-patterns figure: a pair's wall time ÷ one call against the length of one call.

One figure family (style: rtg/figures/style.py). One panel per backend and
switch interval, one line per multi-thread scenario, 95 % CIs; the title
states the break-even found by rtg/report/calls.py.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from rtg.figures.style import placeholder, scenario_order, scenario_palette, style

FIGURES: dict[str, str] = {
    "calls": "Pair ÷ one call against the length of one call (log axis), per scenario, with 95 % CIs.",
}


def fig_calls(points: pd.DataFrame, title: str) -> Figure:
    """``points``: backend, switch_interval_ms, scenario, call_s, ratio, ratio_ci_low, ratio_ci_high.

    Cells without a single-thread baseline have no call length or ratio and are left out.
    """
    points = points.dropna(subset=["call_s", "ratio"])
    points = points[points["call_s"] > 0]
    if points.empty:
        return placeholder("No call pattern with both a pair and its single-thread baseline to plot.")
    style()
    panels = sorted({(b, si) for b, si in zip(points["backend"], points["switch_interval_ms"], strict=True)})
    order = scenario_order(points["scenario"])
    palette = scenario_palette(order)
    width = max(7.5, 4.4 * len(panels) + 1)
    fig, axes = plt.subplots(1, len(panels), figsize=(width, 4.2), sharey=True, squeeze=False)
    for ax, (backend, si) in zip(axes[0], panels, strict=True):
        mine = points[(points["backend"] == backend) & (points["switch_interval_ms"] == si)]
        for scenario in order:
            line = mine[mine["scenario"] == scenario].sort_values("call_s")
            if line.empty:
                continue
            low = (line["ratio"] - line["ratio_ci_low"]).clip(lower=0).fillna(0)
            high = (line["ratio_ci_high"] - line["ratio"]).clip(lower=0).fillna(0)
            ax.errorbar(line["call_s"] * 1e3, line["ratio"], yerr=[low, high], marker="o", capsize=3,
                        color=palette[scenario], label=scenario)  # fmt: skip
        ax.axhline(1.0, color="black", lw=0.6)
        ax.axhline(2.0, color="black", lw=0.6, ls=":")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.set_title(f"{backend}, switch interval {si:g} ms", fontsize=10)
        ax.set_xlabel("length of one call (ms)")
        ax.set_ylabel("wall ÷ one call (×)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(1, len(labels)), fontsize=8, frameon=False)
    fig.suptitle("\n".join(textwrap.wrap(title, width=int(width * 11))), fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
