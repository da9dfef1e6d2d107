"""Thread scaling: speedup against the number of threads, GIL builds and free-threaded builds side by side.

One figure family; the style every figure shares comes from rtg/figures/style.py.
The numbers come from rtg/analysis/scaling.py (results/scaling.csv); the title
states how many calls scaled on each interpreter.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from rtg.analysis import functions, scaling
from rtg.figures.style import placeholder, style

#: figure name -> caption; the "Thread scaling" section of the report shows it.
FIGURES: dict[str, str] = {
    "thread_scaling": "Speedup T·t(1)/t(T) against the number of threads T, one line per function with its 95 % CI, "
    "one panel per interpreter (GIL builds, then free-threaded ones); dashed: the ideal, speedup = T.",
}
#: What the placeholder says when no function ran on one and on more threads.
NOTHING = (
    "No function ran on one thread and on more threads of the same call here: add thread_counts "
    "(e.g. --config 'thread_counts=[1,2]') to see how each call scales."
)


def panels(found: pd.DataFrame) -> list[tuple[str, bool]]:
    """(interpreter, free-threaded?) in panel order: GIL builds first, then free-threaded ones, each by name."""
    free = found.groupby("interpreter")["gil_disabled_build"].any()
    return sorted(((str(i), bool(f)) for i, f in free.items()), key=lambda p: (p[1], p[0]))


def fig_thread_scaling(found: pd.DataFrame) -> Figure:
    """Speedup against threads per interpreter, a line with CIs per function, the ideal dashed."""
    if found is None or found.empty:
        return placeholder(NOTHING)
    style()
    found = found.assign(label=functions.labels(found))
    order = sorted(found["label"].unique())
    palette = dict(zip(order, sns.color_palette("colorblind", len(order)), strict=True))
    where = panels(found)
    most = int(found["threads"].max())
    fig, axes = plt.subplots(1, len(where), figsize=(4.6 * len(where) + 2.6, 4.3), sharey=True, squeeze=False)
    for ax, (interpreter, free) in zip(axes[0], where, strict=True):
        mine = found[found["interpreter"] == interpreter]
        ideal = np.arange(1, most + 1)
        ax.plot(ideal, ideal, linestyle="--", color="#555555", linewidth=1.2, zorder=1)
        for offset, label in enumerate(order):
            line = mine[mine["label"] == label].sort_values("threads")
            if line.empty:
                continue
            # A small shift keeps the error bars of functions at the same T apart.
            x = line["threads"] + 0.04 * (offset - (len(order) - 1) / 2)
            low = (line["speedup"] - line["speedup_ci_low"]).clip(lower=0).fillna(0)
            high = (line["speedup_ci_high"] - line["speedup"]).clip(lower=0).fillna(0)
            ax.errorbar(x, line["speedup"], yerr=[low, high], marker="o", markersize=5, capsize=3,
                        color=palette[label], linewidth=1.5, zorder=3)  # fmt: skip
            over = line["oversubscribed"].to_numpy(dtype=bool)
            if over.any():
                ax.scatter(x[over], line["speedup"][over], s=140, facecolors="none", edgecolors="#000000",
                           linewidths=1.5, zorder=4)  # fmt: skip
        kind = "free-threaded" if free else "GIL"
        ax.set_title(f"{functions.interpreter_name(interpreter)} ({kind})")
        ax.set_xlabel("threads (count)")
        ax.set_xticks(ideal)
        ax.set_xlim(0.7, most + 0.3)
        ax.set_ylim(bottom=0)
    axes[0][0].set_ylabel("speedup T·t(1)/t(T) (×)")
    handles = [Line2D([], [], color=palette[label], marker="o", label=label) for label in order]
    handles.append(Line2D([], [], color="#555555", linestyle="--", label="ideal: speedup = T"))
    if found["oversubscribed"].any():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markersize=10,
                markerfacecolor="none",
                markeredgecolor="#000000",
                linestyle="none",
                label="oversubscribed: more threads than CPUs",
            )  # fmt: skip
        )
    fig.legend(handles=handles, loc="center right", frameon=False, fontsize=8)
    fig.suptitle(scaling.headline(found))
    fig.tight_layout(rect=(0, 0, 1 - 2.4 / fig.get_figwidth(), 0.95))
    return fig
