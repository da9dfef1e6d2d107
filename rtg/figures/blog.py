"""The blog's figures: wall time, timeline, ratios, scaling, spread and busy cores.

Each function takes the tables and returns a Figure whose title states what
it shows, computed from the data, so a reader who only skims the pictures
still gets the finding. Colours come from colour-blind-safe palettes
(Okabe-Ito for the two thread kinds, seaborn's "colorblind" for scenarios).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from rtg.analysis import stats
from rtg.core import scenarios
from rtg.figures.style import TOKEN_COLOURS, fmt_n, placeholder, scenario_order, scenario_palette, style

#: figure name (file stem of its PNG and of its .rst caption) -> one-line caption.
FIGURES: dict[str, str] = {
    "wall": "Wall time of every repetition per scenario, with the median and its 95 % bootstrap CI.",
    "timeline": "When each thread ran, in one representative trial per scenario (the trial nearest its median).",
    "ratio_heatmap": "Median wall time relative to one call (1× = parallel, 2× = serialized), 95 % CI below.",
    "scaling": "Wall time against n (log-log) and the cost of one loop iteration.",
    "distribution": "Spread of the repetitions: each trial's wall time relative to its cell median.",
    "cpu_vs_wall": "CPU time against wall time per trial: the slope is the number of busy cores.",
}


def _mean_ratio(summary: pd.DataFrame, scenario: str) -> float:
    top = stats.largest_n(summary)
    values = top.loc[top["scenario"] == scenario, "ratio"].dropna()
    return float(values.mean()) if len(values) else float("nan")


def headline(summary: pd.DataFrame) -> str:
    """One-line finding for titles: the key ratios at the largest n."""
    parts = []
    for scenario in ("gil+gil", "nogil+gil", "gil+nogil", "nogil+nogil"):
        r = _mean_ratio(summary, scenario)
        if not np.isnan(r):
            parts.append(f"{scenario} {r:.2f}×")
    return "Two calls vs one: " + ", ".join(parts) if parts else "Wall time per scenario"


def fig_wall(valid: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """(1) Wall time per scenario faceted by backend: points, median, CI."""
    style()
    data = stats.largest_n(valid).assign(wall_ms=lambda d: d["wall_s"] * 1e3)
    cells = stats.largest_n(summary)
    order = scenario_order(data["scenario"])
    backends = sorted(data["backend"].unique())
    palette = scenario_palette(order)
    fig, axes = plt.subplots(
        1,
        len(backends),
        figsize=(4.2 * len(backends) + 1, 4.2),
        sharey=True,
        squeeze=False,
    )
    for ax, backend in zip(axes[0], backends, strict=True):
        mine = data[data["backend"] == backend]
        sns.stripplot(
            data=mine,
            x="scenario",
            y="wall_ms",
            hue="scenario",
            order=order,
            hue_order=order,
            palette=palette,
            ax=ax,
            size=6,
            alpha=0.85,
            jitter=0.2,
            legend=False,
            zorder=6,
            edgecolor="black",
            linewidth=0.4,
        )
        med = cells[cells["backend"] == backend].set_index("scenario").reindex(order)
        x = np.arange(len(order))
        lower = (med["wall_median"] - med["wall_ci_low"]).fillna(0).clip(lower=0) * 1e3
        upper = (med["wall_ci_high"] - med["wall_median"]).fillna(0).clip(lower=0) * 1e3
        ax.errorbar(
            x,
            med["wall_median"] * 1e3,
            yerr=[lower, upper],
            fmt="_",
            color="black",
            markersize=22,
            capsize=5,
            lw=1.2,
            zorder=4,
            label="median, 95 % CI",
        )
        n = int(mine["n"].iloc[0]) if len(mine) else 0
        ax.set_title(f"{backend} (n = {fmt_n(n)})")
        ax.set_xlabel("scenario (threads in start order)")
        ax.set_ylabel("wall time (ms)")
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", rotation=30)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", fontsize=8, frameon=False)
    fig.suptitle(headline(summary), fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def representative_trials(metrics: pd.DataFrame) -> pd.DataFrame:
    """Per backend x scenario at the largest n, the trial whose wall is nearest the median."""
    data = stats.largest_n(metrics)
    keys = [c for c in stats.cell_key_columns(data)]
    picked = []
    for _, cell in data.groupby(keys, sort=True):
        distance = (cell["wall_s"] - cell["wall_s"].median()).abs()
        picked.append(cell.loc[distance.idxmin()])
    return pd.DataFrame(picked)


def fig_timeline(metrics: pd.DataFrame, threads: pd.DataFrame) -> Figure:
    """(2) Gantt chart of the threads of one representative trial per scenario."""
    style()
    reps = representative_trials(metrics)
    join = [c for c in stats.cell_key_columns(reps) if c in threads.columns] + ["rep"]
    rows = threads.merge(reps[join], on=join)
    rows = rows.assign(busy_end_ns=stats.busy_end_ns(rows))
    backends = sorted(reps["backend"].unique())
    order = scenario_order(reps["scenario"])
    height = 0.8 + 0.32 * sum(len(scenarios.tokens(s)) + 0.6 for s in order)
    fig, axes = plt.subplots(
        1,
        len(backends),
        figsize=(5.2 * len(backends) + 1, max(3.2, height)),
        sharey=True,
        squeeze=False,
    )
    labels, positions = [], []
    y = 0.0
    layout = {}
    for scenario in reversed(order):
        for index in reversed(range(len(scenarios.tokens(scenario)))):
            layout[(scenario, index)] = y
            labels.append(f"{scenario} · t{index + 1}")
            positions.append(y)
            y += 1
        y += 0.6
    for ax, backend in zip(axes[0], backends, strict=True):
        mine = rows[rows["backend"] == backend]
        for _, t in mine.iterrows():
            pos = layout.get((t["scenario"], int(t["thread"])))
            if pos is None:
                continue
            start, end = t["start_ns"] / 1e6, t["busy_end_ns"] / 1e6
            ax.barh(
                pos,
                end - start,
                left=start,
                height=0.7,
                color=TOKEN_COLOURS.get(t["token"], "grey"),
                edgecolor="black",
                linewidth=0.5,
            )
        walls = reps[reps["backend"] == backend].set_index("scenario")["wall_s"]
        for scenario in order:
            if scenario in walls:
                top = layout[(scenario, 0)]
                bottom = layout[(scenario, len(scenarios.tokens(scenario)) - 1)]
                ax.plot(
                    [walls[scenario] * 1e3] * 2,
                    [bottom - 0.45, top + 0.45],
                    color="black",
                    lw=1.2,
                    ls=":",
                )
        n = int(reps.loc[reps["backend"] == backend, "n"].iloc[0])
        ax.set_title(f"{backend} (n = {fmt_n(n)}); dotted: end of timed region")
        ax.set_xlabel("time since the timed region started (ms)")
        ax.set_xlim(left=0)
    axes[0][0].set_yticks(positions, labels)
    axes[0][0].set_ylabel("scenario · thread (start order)")
    handles = [Patch(color=c, label=f"{k} thread") for k, c in TOKEN_COLOURS.items()]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    delay = reps.loc[reps["scenario"] == "gil+nogil", "start_delay_ms"]
    ratio = reps.loc[reps["scenario"] == "gil+nogil", "wall_s"]
    if len(delay) and len(ratio):
        call = reps.loc[reps["scenario"] == "gil", "wall_s"].mean() * 1e3
        title = (
            f"Started after a GIL-holding thread, the nogil thread began {delay.mean():.0f} ms late "
            f"(one call ≈ {call:.0f} ms)"
        )
    else:
        title = "When each thread ran"
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def fig_ratio_heatmap(summary: pd.DataFrame) -> Figure:
    """(3) Heatmap of the ratio to one call per backend x scenario (largest n)."""
    style()
    top = stats.largest_n(summary).dropna(subset=["ratio"])
    if top.empty:
        return placeholder("No multi-thread scenario with its single-thread baseline was measured")
    order = scenario_order(top["scenario"])

    def grid(column: str) -> pd.DataFrame:
        # set_index/unstack keeps NaN cells (pivot_table would drop a row of NaN CIs)
        table = top.groupby(["backend", "scenario"])[column].first().unstack("scenario")
        return table.reindex(columns=order).astype(float)

    value, low, high = grid("ratio"), grid("ratio_ci_low"), grid("ratio_ci_high")
    annot = value.copy().astype(object)
    for r in value.index:
        for c in value.columns:
            v, lo, hi = value.loc[r, c], low.loc[r, c], high.loc[r, c]
            annot.loc[r, c] = "" if np.isnan(v) else (f"{v:.2f}×" + ("" if np.isnan(lo) else f"\n[{lo:.2f}, {hi:.2f}]"))
    fig, ax = plt.subplots(figsize=(1.7 * max(len(order), 1) + 2.5, 1.1 * max(len(value), 1) + 1.6))
    max_threads = max((len(scenarios.tokens(s)) for s in order), default=2)
    sns.heatmap(
        value.astype(float),
        annot=annot.to_numpy(),
        fmt="",
        cmap="cividis",
        vmin=1,
        vmax=max_threads,
        linewidths=1,
        linecolor="white",
        ax=ax,
        cbar_kws={"label": "wall ÷ one call (×)"},
        annot_kws={"fontsize": 9},
    )
    ax.set_xlabel("scenario (threads in start order)")
    ax.set_ylabel("backend")
    ax.tick_params(axis="y", rotation=0)
    fig.suptitle(
        "Relative to one call: 1× = the threads ran in parallel, 2× = one after the other",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def fig_scaling(summary: pd.DataFrame) -> Figure:
    """(4) Wall time against n (log-log) and ns per loop iteration."""
    style()
    order = scenario_order(summary["scenario"])
    palette = scenario_palette(order)
    data = summary.assign(wall_ms=summary["wall_median"] * 1e3)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.5))
    sns.lineplot(
        data=data,
        x="n",
        y="wall_ms",
        hue="scenario",
        style="backend",
        hue_order=order,
        palette=palette,
        markers=True,
        dashes=True,
        ax=left,
    )
    left.set(
        xscale="log",
        yscale="log",
        xlabel="n (loop iterations per thread)",
        ylabel="median wall time (ms)",
        title="Wall time against n",
    )
    single = data[data["scenario"].isin(["gil", "nogil"])]
    per_iter = single if len(single) else data
    sns.lineplot(
        data=per_iter,
        x="n",
        y="ns_per_iter_median",
        hue="scenario",
        style="backend",
        hue_order=[s for s in order if s in set(per_iter["scenario"])],
        palette=palette,
        markers=True,
        ax=right,
    )
    right.set(
        xscale="log",
        xlabel="n (loop iterations)",
        ylabel="wall time per iteration (ns)",
        title="One thread: cost of one loop iteration",
    )
    right.set_ylim(0, 1.35 * float(per_iter["ns_per_iter_median"].max()))
    left.legend(fontsize=7, ncol=2, loc="upper left")
    sns.move_legend(right, "upper left", bbox_to_anchor=(1.02, 1), fontsize=7)
    top = stats.largest_n(single)
    parts = []
    if single["n"].nunique() >= 2:
        slope = np.polyfit(np.log(single["n"]), np.log(single["wall_median"]), 1)[0]
        parts.append(f"one-thread wall time ∝ n^{slope:.2f}")
    if len(top):
        per = ", ".join(f"{b} {v:.3f} ns" for b, v in top.groupby("backend")["ns_per_iter_median"].median().items())
        parts.append(f"one iteration costs {per}")
    title = "; ".join(parts).capitalize() if parts else "Wall time against n"
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def fig_distribution(valid: pd.DataFrame) -> Figure:
    """(5) ECDF of each trial's wall time relative to its cell median (%)."""
    style()
    keys = stats.cell_key_columns(valid)
    med = valid.groupby(keys)["wall_s"].transform("median")
    data = valid.assign(deviation=(valid["wall_s"] / med - 1) * 100)
    order = scenario_order(data["scenario"])
    backends = sorted(data["backend"].unique())
    fig, axes = plt.subplots(
        1,
        len(backends),
        figsize=(4.8 * len(backends) + 1, 4),
        sharey=True,
        squeeze=False,
    )
    for ax, backend in zip(axes[0], backends, strict=True):
        sns.ecdfplot(
            data=data[data["backend"] == backend],
            x="deviation",
            hue="scenario",
            hue_order=order,
            palette=scenario_palette(order),
            ax=ax,
            legend=ax is axes[0][-1],
        )
        ax.axvline(0, color="black", lw=0.8)
        ax.set(
            title=backend,
            xlabel="wall time vs its cell median (%)",
            ylabel="share of trials",
        )
    if axes[0][-1].get_legend() is not None:
        sns.move_legend(axes[0][-1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=8, title="scenario")
    spread = float(np.nanpercentile(data["deviation"].abs(), 95)) if len(data) else float("nan")
    fig.suptitle(
        f"95 % of trials lie within ±{spread:.1f} % of their cell's median (all n)",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def fig_cpu_vs_wall(valid: pd.DataFrame) -> Figure:
    """(6) CPU time against wall time per trial at the largest n, 1- and 2-core lines."""
    style()
    top = stats.largest_n(valid)
    order = scenario_order(top["scenario"])
    data = top.assign(wall_ms=top["wall_s"] * 1e3, cpu_ms=top["cpu_s"] * 1e3)
    backends = sorted(data["backend"].unique())
    fig, axes = plt.subplots(1, len(backends), figsize=(4.8 * len(backends) + 1.6, 4.6), squeeze=False)
    hi = float(max(data["wall_ms"].max(), data["cpu_ms"].max())) * 1.15
    for ax, backend in zip(axes[0], backends, strict=True):
        sns.scatterplot(
            data=data[data["backend"] == backend],
            x="wall_ms",
            y="cpu_ms",
            hue="scenario",
            style="scenario",
            hue_order=order,
            style_order=order,
            palette=scenario_palette(order),
            ax=ax,
            s=70,
            alpha=0.75,
            legend=ax is axes[0][-1],
        )
        grid = np.array([0, hi])
        for cores, ls in ((1, "-"), (2, "--")):
            ax.plot(grid, cores * grid, color="grey", lw=0.9, ls=ls, zorder=0)
            x = 0.75 * hi if cores == 1 else 0.2 * hi
            ax.annotate(
                f"{cores} core{'s' if cores > 1 else ''} busy",
                (x, cores * x),
                xytext=(6, -6),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=8,
                color="dimgrey",
            )
        ax.set(
            xlim=(0, hi),
            ylim=(0, hi),
            xlabel="wall time (ms)",
            ylabel="process CPU time (ms)",
            title=f"{backend} (n = {fmt_n(int(data.loc[data['backend'] == backend, 'n'].iloc[0]))})",
        )
    sns.move_legend(
        axes[0][-1],
        "upper left",
        bbox_to_anchor=(1.02, 1),
        fontsize=8,
        title="scenario",
    )
    eff = data.assign(e=data["cpu_s"] / data["wall_s"]).groupby("scenario")["e"].median()
    parts = [f"{s} {eff[s]:.2f}" for s in scenario_order(eff.index) if len(scenarios.tokens(s)) > 1]
    title = ("Busy cores (CPU ÷ wall), median: " + ", ".join(parts)) if parts else "CPU time against wall time"
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
