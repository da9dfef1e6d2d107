"""Every figure of the report, by name: the one place that knows all figure families.

The families (:mod:`rtg.figures.blog`, :mod:`rtg.figures.race`,
:mod:`rtg.figures.calls`, :mod:`rtg.figures.thread_scaling`) share :mod:`rtg.figures.style` and never import
each other; this module draws them all for the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from rtg.analysis import patterns, scaling, stats
from rtg.figures import blog, style, thread_scaling
from rtg.figures import calls as call_figures
from rtg.figures import race as race_figures

#: figure name (file stem of its PNG and of its .rst caption) -> one-line caption, in report order.
FIGURES: dict[str, str] = {
    **blog.FIGURES,
    **race_figures.FIGURES,
    **call_figures.FIGURES,
    **thread_scaling.FIGURES,
}


def make_all(
    timings: pd.DataFrame,
    threads: pd.DataFrame,
    summary: pd.DataFrame,
    kernels: Mapping[str, Any] | None = None,
    scaling_table: pd.DataFrame | None = None,
) -> dict[str, Figure]:
    """All figures by name, in the order of :data:`FIGURES`, from correct trials only.

    ``scaling_table``: results/scaling.csv's table (rtg/analysis/scaling.py), drawn as it is so the figure and the
    table agree; without it, made here with ``kernels`` (environment.json's kernel facts, which name the functions;
    without them gil and nogil are each kernel's modes).
    """
    if scaling_table is None:
        scaling_table = scaling.table(summary, timings, kernels)
    own = {
        **race_figures.make_all(timings, summary),
        "calls": (
            call_figures.fig_calls(patterns.points(summary), patterns.headline(summary))
            if patterns.varies(summary)
            else style.placeholder("One call pattern in this grid: see docs/calls.md, 'Call patterns', to add more.")
        ),
        "thread_scaling": thread_scaling.fig_thread_scaling(scaling_table),
    }
    metrics = stats.valid_trials(stats.trial_metrics(timings, threads))
    varying = [c for c in stats.OPTIONAL_KEY_COLUMNS if c in metrics.columns and metrics[c].nunique() > 1]
    metrics, threads, summary = style.fold_axes([metrics, threads, summary], varying)
    return {
        "wall": blog.fig_wall(metrics, summary),
        "timeline": blog.fig_timeline(metrics, threads),
        "ratio_heatmap": blog.fig_ratio_heatmap(summary),
        "scaling": blog.fig_scaling(summary),
        "distribution": blog.fig_distribution(metrics),
        "cpu_vs_wall": blog.fig_cpu_vs_wall(metrics),
        **own,
    }
