"""Aggregation and statistics of the trial tables (pandas, scipy).

Every number the report states comes from here, so each one carries its
uncertainty: medians with bootstrap confidence intervals, ratios with
two-sample bootstrap intervals, and a rank test with Holm correction for the
start-order effect. The median (not the mean) is the centre everywhere because
timing noise on a shared machine is one-sided: interference only ever adds
time, and a single preempted trial must not move the answer.

Cells are keyed by :data:`KEY_COLUMNS` plus whichever of
:data:`OPTIONAL_KEY_COLUMNS` are present in the table, so a later axis (an
``executor`` or ``interpreter`` column) splits cells instead of being silently
averaged together.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from rtg.analysis import hierarchy
from rtg.core import axes
from rtg.core.scenarios import baseline_scenarios, scenario_sort_key, tokens
from rtg.trial import race

#: Columns that always identify a cell of the experiment grid.
KEY_COLUMNS: tuple[str, ...] = ("backend", "scenario", "n")
#: The grid's axes (rtg/core/axes.py) and other splits; when present in a table they join the key.
OPTIONAL_KEY_COLUMNS: tuple[str, ...] = (
    *axes.COLUMNS,
    "toolchain",
    # Only when the run's nodes measurably differ (rtg/analysis/nodes.py): never pool two kinds of node.
    "node_group",
)
#: Modified z-score above which a trial is an outlier (Iglewicz and Hoaglin's
#: 3.5; hyperfine uses the same score with 14 to warn only about gross ones).
OUTLIER_Z = 3.5
#: MAD -> standard deviation of a normal distribution.
MAD_TO_SIGMA = 1.4826
CONFIDENCE = 0.95
N_RESAMPLES = 4000
#: Relative difference of single-call gil vs nogil medians that is flagged.
MODE_MISMATCH = 0.05
#: In-memory column of a timings frame: the wall times of each process's runs (``attach_runs``).
RUN_WALLS = "run_walls"


def cell_key_columns(df: pd.DataFrame) -> list[str]:
    """The key of one cell: the fixed axes plus optional axes present in ``df``."""
    return list(KEY_COLUMNS) + [c for c in OPTIONAL_KEY_COLUMNS if c in df.columns]


def cell_label(row: pd.Series, keys: Sequence[str], table: pd.DataFrame) -> str:
    """A cell's name for the reader: backend / scenario / n, then only the optional keys that vary in ``table``
    (the run), each as the axis registry names its value ("unpinned", "k=100"), never a bare ``1 / 5.0``."""
    fixed = [f"n={int(row[k]):,}" if k == "n" else str(row[k]) for k in keys if k in KEY_COLUMNS]
    varying = [k for k in keys if k not in KEY_COLUMNS and k in table.columns and table[k].nunique(dropna=False) > 1]
    named = axes.label(row, varying)
    return " / ".join([*fixed, named] if named else fixed)


def constant_axes(table: pd.DataFrame) -> str:
    """The axes that take one value in the whole run, named once (the report's header says them)."""
    columns = [c for c in axes.COLUMNS if c in table.columns and table[c].nunique(dropna=False) == 1]
    return axes.label(table.iloc[0], columns) if len(table) else ""


def group_key_columns(df: pd.DataFrame) -> list[str]:
    """Cell key without the scenario: what a ratio's two cells must share."""
    return [c for c in cell_key_columns(df) if c != "scenario"]


# --------------------------------------------------------------------------
# Robust outliers
# --------------------------------------------------------------------------


def modified_zscores(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """(x - median) / (1.4826 * MAD), the robust z-score hyperfine uses.

    When more than half the values are identical MAD is 0; then the mean
    absolute deviation (scaled by 1.2533, Iglewicz and Hoaglin) stands in, and
    if that is 0 too every score is 0 (nothing deviates at all).
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return x
    median = np.median(x)
    deviation = np.abs(x - median)
    mad = np.median(deviation)
    if mad > 0:
        return (x - median) / (MAD_TO_SIGMA * mad)
    meanad = np.mean(deviation)
    if meanad > 0:
        return (x - median) / (1.2533 * meanad)
    return np.zeros_like(x)


def outlier_mask(values: Sequence[float] | np.ndarray, threshold: float = OUTLIER_Z) -> np.ndarray:
    """True where a value's modified z-score exceeds ``threshold`` in magnitude.

    Fewer than 3 values give no outliers: with two points neither is typical.
    """
    x = np.asarray(values, dtype=float)
    if x.size < 3:
        return np.zeros(x.size, dtype=bool)
    return np.abs(modified_zscores(x)) > threshold


# --------------------------------------------------------------------------
# Bootstrap intervals
# --------------------------------------------------------------------------


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def bootstrap_median_ci(
    values: Sequence[float] | np.ndarray,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int | np.random.Generator = 0,
) -> tuple[float, float]:
    """Percentile-bootstrap CI of the median (``scipy.stats.bootstrap``).

    Percentile rather than BCa: BCa's jackknife acceleration is undefined for
    the median of small, tied samples (scipy warns and returns NaN), while the
    percentile interval stays defined and its coverage is checked in the tests.
    Fewer than 2 values give (nan, nan): one trial has no spread to resample.
    """
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return (float("nan"), float("nan"))
    if np.all(x == x[0]):
        return (float(x[0]), float(x[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sps.bootstrap(
            (x,),
            np.median,
            confidence_level=confidence,
            n_resamples=n_resamples,
            method="percentile",
            vectorized=True,
            rng=_rng(seed),
        )
    return (float(res.confidence_interval.low), float(res.confidence_interval.high))


def weighted_median_ratio(
    numerator: np.ndarray,
    denominators: Sequence[np.ndarray],
    weights: Sequence[float],
    axis: int = -1,
) -> np.ndarray:
    """median(numerator) / sum_i weights_i * median(denominators_i), along ``axis``."""
    base = sum(w * np.median(d, axis=axis) for w, d in zip(weights, denominators, strict=True))
    return np.median(numerator, axis=axis) / base


def bootstrap_ratio_ci(
    numerator: Sequence[float] | np.ndarray,
    denominators: Sequence[Sequence[float] | np.ndarray],
    weights: Sequence[float] | None = None,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int | np.random.Generator = 0,
) -> tuple[float, float, float]:
    """Point estimate and CI of a ratio of medians, samples resampled independently.

    The trials of two cells are unpaired (separate processes, separate
    times), so each sample is resampled on its own (``paired=False``).
    Returns (ratio, low, high); the interval is NaN when a sample has fewer
    than 2 trials.
    """
    num = np.asarray(numerator, dtype=float)
    dens = [np.asarray(d, dtype=float) for d in denominators]
    w = list(weights) if weights is not None else [1.0 / len(dens)] * len(dens)
    if num.size == 0 or any(d.size == 0 for d in dens):
        return (float("nan"),) * 3
    point = float(weighted_median_ratio(num, dens, w))
    if num.size < 2 or any(d.size < 2 for d in dens):
        return (point, float("nan"), float("nan"))

    def statistic(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
        return weighted_median_ratio(samples[0], samples[1:], w, axis=axis)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sps.bootstrap(
            (num, *dens),
            statistic,
            confidence_level=confidence,
            n_resamples=n_resamples,
            method="percentile",
            vectorized=True,
            paired=False,
            rng=_rng(seed),
        )
    return (
        point,
        float(res.confidence_interval.low),
        float(res.confidence_interval.high),
    )


# --------------------------------------------------------------------------
# Per-trial metrics
# --------------------------------------------------------------------------


def overlap_ns(intervals: Sequence[tuple[float, float]], min_active: int = 2) -> float:
    """Total time during which at least ``min_active`` intervals are running.

    A sweep over start (+1) and end (-1) events; an end and a start at the
    same instant do not overlap (ends are processed first).
    """
    events: list[tuple[float, int]] = []
    for start, end in intervals:
        if end < start:
            raise ValueError(f"interval ends before it starts: {(start, end)}")
        events.append((float(start), 1))
        events.append((float(end), -1))
    events.sort(key=lambda e: (e[0], e[1]))
    active = 0
    last = 0.0
    total = 0.0
    for time, delta in events:
        if active >= min_active:
            total += time - last
        active += delta
        last = time
    return total


def overlap_fraction(intervals: Sequence[tuple[float, float]], wall_ns: float) -> float:
    """Share of the wall time during which two or more threads were running.

    0 means the threads ran strictly one after another (serialized by the
    GIL), 1 that they ran side by side for the whole timed region.
    """
    if wall_ns <= 0:
        return float("nan")
    return overlap_ns(intervals) / wall_ns


def busy_end_ns(threads: pd.DataFrame) -> pd.Series:
    """When each thread's call really ended: ``min(end_ns, start_ns + cpu_s)``.

    A GIL-holding thread returns from its kernel and must take the GIL back
    before it can read the clock; if another thread grabbed the GIL in that
    instant, the recorded ``end_ns`` also covers that thread's whole call and a
    serialized pair would look fully overlapped. Waiting for the GIL costs no
    CPU time, so start + thread CPU time bounds the call's real end.
    """
    computed = threads["start_ns"] + (threads["cpu_s"] * 1e9).round()
    return np.minimum(threads["end_ns"], computed)


def _trial_join_columns(timings: pd.DataFrame, threads: pd.DataFrame) -> list[str]:
    return [c for c in cell_key_columns(timings) if c in threads.columns] + ["rep"]


def trial_metrics(timings: pd.DataFrame, threads: pd.DataFrame) -> pd.DataFrame:
    """One row per trial: overlap fraction, parallel efficiency, ns/iteration, start delays.

    - ``overlap_fraction``: see :func:`overlap_fraction`.
    - ``parallel_efficiency``: cpu_s / wall_s (1 = one core busy, k = k cores).
    - ``ns_per_iter``: wall time per loop iteration of all threads together
      (wall_s / (n * threads)); for one thread, the loop's speed.
    - ``thread_ns_per_iter``: median over threads of a thread's lifetime / n.
    - ``start_delay_ms``: the last-started thread's start offset from the
      timed region's start (a GIL-holding first thread delays it by a whole call).
    """
    join = _trial_join_columns(timings, threads)
    out = timings.copy()
    out["parallel_efficiency"] = out["cpu_s"] / out["wall_s"]
    out["ns_per_iter"] = out["wall_s"] * 1e9 / (out["n"] * out["threads"])
    rows = []
    threads = threads.assign(busy_end_ns=busy_end_ns(threads))
    for key, group in threads.groupby(join, sort=False):
        intervals = list(zip(group["start_ns"], group["busy_end_ns"], strict=True))
        lifetimes = (group["busy_end_ns"] - group["start_ns"]).to_numpy(dtype=float)
        rows.append(
            dict(
                zip(join, key if isinstance(key, tuple) else (key,), strict=True),
                _overlap_ns=overlap_ns(intervals),
                _lifetime_ns_median=float(np.median(lifetimes)),
                start_delay_ms=float(group["start_ns"].max()) / 1e6,
                thread_cpu_sum_s=float(group["cpu_s"].sum()),
                threads_correct=bool(truthy(group["correct"]).all()),
            )
        )
    per_trial = pd.DataFrame(
        rows,
        columns=[
            *join,
            "_overlap_ns",
            "_lifetime_ns_median",
            "start_delay_ms",
            "thread_cpu_sum_s",
            "threads_correct",
        ],
    )
    out = out.merge(per_trial, on=join, how="left")
    out["overlap_fraction"] = out["_overlap_ns"] / (out["wall_s"] * 1e9)
    out["thread_ns_per_iter"] = out["_lifetime_ns_median"] / out["n"]
    return out.drop(columns=["_overlap_ns", "_lifetime_ns_median"])


def truthy(column: pd.Series) -> pd.Series:
    """Booleans from a CSV column that may hold bools or the strings "True"/"False"."""
    return column.astype(str).str.strip().str.lower().isin(["true", "1", "1.0"])


def valid_trials(timings: pd.DataFrame) -> pd.DataFrame:
    """Trials whose result was correct: incorrect ones are listed, never averaged."""
    return timings[truthy(timings["correct"])]


# --------------------------------------------------------------------------
# Per-cell summary
# --------------------------------------------------------------------------


def describe(
    values: Sequence[float] | np.ndarray,
    seed: int | np.random.Generator = 0,
    groups: Sequence[np.ndarray] | None = None,
) -> dict[str, float]:
    """count, median, IQR, min, max, bootstrap CI of the median, CV, outliers.

    ``values`` holds one value per process. ``groups``, when given, holds each
    process's runs; the CI then comes from the two-level bootstrap
    (rtg/analysis/hierarchy.py), whose point estimate is the same median.
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        nan = float("nan")
        return {
            "count": 0,
            "median": nan,
            "iqr": nan,
            "min": nan,
            "max": nan,
            "ci_low": nan,
            "ci_high": nan,
            "cv": nan,
            "outliers": 0,
        }
    q1, q3 = np.percentile(x, [25, 75])
    if groups is not None and any(len(g) > 1 for g in groups):
        low, high = hierarchy.median_ci(groups, seed=seed)
    else:
        low, high = bootstrap_median_ci(x, seed=seed)
    mean = float(np.mean(x))
    cv = float(np.std(x, ddof=1) / mean) if x.size > 1 and mean != 0 else float("nan")
    return {
        "count": int(x.size),
        "median": float(np.median(x)),
        "iqr": float(q3 - q1),
        "min": float(np.min(x)),
        "max": float(np.max(x)),
        "ci_low": low,
        "ci_high": high,
        "cv": cv,
        "outliers": int(outlier_mask(x).sum()),
    }


def summarize(timings: pd.DataFrame, threads: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """One row per cell with the descriptive statistics, trial metrics and ratio.

    Incorrect trials are excluded from every statistic and counted in
    ``incorrect``.
    """
    keys = cell_key_columns(timings)
    metrics = trial_metrics(timings, threads)
    valid = valid_trials(metrics)
    rng = np.random.default_rng(seed)
    rows = []
    for key, cell in metrics.groupby(keys, sort=True):
        row = dict(zip(keys, key, strict=True))
        good = valid_trials(cell)
        first = cell.iloc[0]
        row.update(
            threads=int(first["threads"]),
            gil_mode=first["gil_mode"],
            start_order=first["start_order"],
            incorrect=int(len(cell) - len(good)),
            **gil_columns(cell),
        )
        groups = list(good[RUN_WALLS]) if RUN_WALLS in good.columns else None
        for metric in ("wall_s", "cpu_s"):
            stem = metric[:-2]
            per_run = groups if metric == "wall_s" else None  # runs.csv's CPU time is not bootstrapped
            for name, value in describe(good[metric], seed=rng, groups=per_run).items():
                row[f"{stem}_{name}" if name != "count" else "count"] = value
        row.update(race_columns(good))
        for metric in (
            "overlap_fraction",
            "parallel_efficiency",
            "ns_per_iter",
            "thread_ns_per_iter",
            "start_delay_ms",
        ):
            row[f"{metric}_median"] = float(good[metric].median()) if len(good) else float("nan")
        rows.append(row)
    summary = pd.DataFrame(rows)
    if len(summary):
        other = [k for k in keys if k != "scenario"]
        summary = summary.sort_values(
            [*other, "scenario"], key=lambda col: col.map(scenario_sort_key) if col.name == "scenario" else col
        ).reset_index(drop=True)
    ratios = ratio_table(valid, seed=seed)
    if len(ratios):
        summary = summary.merge(ratios, on=keys, how="left")
    else:
        for col in ("baseline", "ratio", "ratio_ci_low", "ratio_ci_high", "ratio_method"):
            summary[col] = np.nan
    return summary


#: The blog's point of the optional axes: threads, one call per thread, CPython's 5 ms switch interval, pinned.
BLOG_AXES: tuple[tuple[str, object], ...] = tuple(axes.DEFAULTS.items())


def blog_setting(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` at the blog's point of every optional axis that the table has rows at."""
    for column, value in BLOG_AXES:
        if column in table.columns and (table[column] == value).any():
            table = table[table[column] == value]
    return table


def gil_columns(cell: pd.DataFrame) -> dict[str, bool]:
    """Whether a cell ran with a GIL: on when any of its trials had it on after the kernel's import.

    Tables from before the GIL columns ran on GIL builds only.
    """

    def any_of(column: str, default: bool) -> bool:
        return bool(cell[column].fillna(default).astype(bool).any()) if column in cell.columns else default

    return {
        "gil_disabled_build": any_of("gil_disabled_build", False),
        "gil_enabled": any_of("gil_enabled", True),
        "gil_reenabled_by_import": any_of("gil_reenabled_by_import", False),
    }


def race_columns(cell: pd.DataFrame) -> dict[str, float | int | bool]:
    """Processes, runs and the serialized fraction of one cell's valid trials (rtg/trial/race.py)."""
    runs = cell["runs"].to_numpy(dtype=int) if "runs" in cell.columns else np.ones(len(cell), dtype=int)
    out: dict[str, float | int | bool] = {"processes": int(len(cell)), "runs": int(runs.sum())}
    nan = float("nan")
    out.update(serialized_fraction=nan, serialized_ci_low=nan, serialized_ci_high=nan, bimodal=False)
    if "serialized_runs" in cell.columns and len(cell) and int(cell["threads"].iloc[0]) >= 2:
        counts = cell["serialized_runs"].to_numpy(dtype=int)
        found = race.fraction_ci(list(counts), list(runs))
        out.update(
            serialized_fraction=found["fraction"],
            serialized_ci_low=found["ci_low"],
            serialized_ci_high=found["ci_high"],
            bimodal=race.bimodal(found["fraction"]),
        )
    return out


def kept_runs(runs: pd.DataFrame | None) -> pd.DataFrame | None:
    """runs.csv without the runs set aside as disturbed (rtg/trial/disturbance.py): what every statistic uses."""
    if runs is None or "set_aside" not in runs.columns:
        return runs
    return runs[~truthy(runs["set_aside"])].reset_index(drop=True)


def attach_runs(timings: pd.DataFrame, runs: pd.DataFrame | None) -> pd.DataFrame:
    """``timings`` with a ``run_walls`` column: each process's run wall times (its own wall_s without runs.csv)."""
    out = timings.copy()
    if runs is None or runs.empty:
        out[RUN_WALLS] = [np.array([w], dtype=float) for w in out["wall_s"]]
        return out
    keys = [c for c in cell_key_columns(timings) if c in runs.columns] + ["rep"]
    walls = {
        key if isinstance(key, tuple) else (key,): group["wall_s"].to_numpy(dtype=float)
        for key, group in runs.groupby(keys, sort=False)
    }
    out[RUN_WALLS] = [
        walls.get(tuple(row), np.array([wall], dtype=float))
        for row, wall in zip(out[keys].itertuples(index=False, name=None), out["wall_s"], strict=True)
    ]
    return out


def _cell_ratio(
    num: pd.DataFrame, dens: Sequence[pd.DataFrame], weights: Sequence[float], seed: np.random.Generator
) -> tuple[float, float, float]:
    """Ratio of medians with its CI: two-level when runs are attached, else over process values."""
    if RUN_WALLS in num.columns and any(len(g) > 1 for g in num[RUN_WALLS]):
        return hierarchy.ratio_ci(list(num[RUN_WALLS]), [list(d[RUN_WALLS]) for d in dens], weights, seed=seed)
    return bootstrap_ratio_ci(
        num["wall_s"].to_numpy(dtype=float), [d["wall_s"].to_numpy(dtype=float) for d in dens], weights, seed=seed
    )


def ratio_table(timings: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Wall-time ratio of each multi-thread cell to its single-thread baseline.

    See :func:`baseline_scenarios` for the baseline. Rows only for cells whose
    baseline scenarios were measured in the same backend and n (and optional
    axes), or whose every process timed its own one-thread runs
    (``paired_baseline``, rtg/trial/paired.py): then the ratio is the median of
    the processes' own ratios, with a bootstrap CI over processes.
    """
    keys = cell_key_columns(timings)
    group_keys = group_key_columns(timings)
    rng = np.random.default_rng(seed)
    rows = []
    for gkey, group in timings.groupby(group_keys, sort=True):
        cells = dict(tuple(group.groupby("scenario")))
        for scenario, cell in cells.items():
            if len(tokens(scenario)) < 2:
                continue
            base = baseline_scenarios(scenario)
            paired = paired_ratios(cell)
            if paired is not None:  # each process's own ratio (rtg/trial/paired.py): the processes give the CI
                ratio = float(np.median(paired))
                low, high = bootstrap_median_ci(paired, seed=rng)
                method = PAIRED
            elif any(b not in cells for b in base):
                continue
            else:
                ratio, low, high = _cell_ratio(cell, [cells[b] for b in base], list(base.values()), rng)
                method = CELLS
            row = dict(zip(group_keys, gkey, strict=True))
            row.update(
                scenario=scenario,
                baseline=" + ".join(f"{w:g}*{b}" for b, w in base.items()),
                ratio=ratio,
                ratio_ci_low=low,
                ratio_ci_high=high,
                ratio_method=method,
            )
            rows.append(row)
    return pd.DataFrame(rows, columns=[*keys, "baseline", "ratio", "ratio_ci_low", "ratio_ci_high", "ratio_method"])


#: How a cell's ratio was had: from one-thread runs timed in each of its processes (``paired_baseline``), or as
#: the ratio of the cell's median to its baseline cells' (two-level bootstrap over processes and runs).
PAIRED = "paired"
CELLS = "cells"


def paired_ratios(cell: pd.DataFrame) -> np.ndarray | None:
    """The per-process paired ratios of a cell when every one of its processes has one, else None."""
    if "paired_ratio" not in cell.columns or not len(cell):
        return None
    values = pd.to_numeric(cell["paired_ratio"], errors="coerce").to_numpy(dtype=float)
    return values if np.isfinite(values).all() else None


# --------------------------------------------------------------------------
# Start order: a rank test with Holm correction
# --------------------------------------------------------------------------


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1).

    NaN p-values (tests that could not be run) stay NaN and do not count
    towards the number of tests.
    """
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0:
        return adjusted
    order = ok[np.argsort(p[ok], kind="stable")]
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[idx]))
        adjusted[idx] = running
    return adjusted


def rank_biserial(u_statistic: float, n1: int, n2: int) -> float:
    """Effect size of a Mann-Whitney U: P(x > y) - P(x < y), in [-1, 1]."""
    return 2.0 * u_statistic / (n1 * n2) - 1.0


def start_order_tests(
    timings: pd.DataFrame,
    first: str = "gil+nogil",
    second: str = "nogil+gil",
    seed: int = 0,
) -> pd.DataFrame:
    """Does the start order change the wall time? One test per backend x n.

    Two-sided Mann-Whitney U of ``first`` vs ``second`` walls (exact for the
    small samples here), Holm-adjusted across all rows, with two effect
    sizes: the rank-biserial correlation (+1: every ``first`` trial slower)
    and the ratio of medians with its bootstrap CI.
    """
    group_keys = group_key_columns(timings)
    rng = np.random.default_rng(seed)
    rows = []
    for gkey, group in timings.groupby(group_keys, sort=True):
        first_cell = group[group["scenario"] == first]
        second_cell = group[group["scenario"] == second]
        # The rank test compares processes (one value each: the median of its runs).
        x = first_cell["wall_s"].to_numpy(dtype=float)
        y = second_cell["wall_s"].to_numpy(dtype=float)
        if x.size == 0 or y.size == 0:
            continue
        u, p = sps.mannwhitneyu(x, y, alternative="two-sided")
        ratio, low, high = _cell_ratio(first_cell, [second_cell], [1.0], rng)
        row = dict(zip(group_keys, gkey, strict=True))
        row.update(
            comparison=f"{first} vs {second}",
            n_first=int(x.size),
            n_second=int(y.size),
            u=float(u),
            p_value=float(p),
            effect_rank_biserial=rank_biserial(u, x.size, y.size),
            ratio=ratio,
            ratio_ci_low=low,
            ratio_ci_high=high,
        )
        rows.append(row)
    cols = [
        *group_keys,
        "comparison",
        "n_first",
        "n_second",
        "u",
        "p_value",
        "p_holm",
        "effect_rank_biserial",
        "ratio",
        "ratio_ci_low",
        "ratio_ci_high",
    ]
    result = pd.DataFrame(rows, columns=[c for c in cols if c != "p_holm"])
    result.insert(result.columns.get_loc("p_value") + 1, "p_holm", holm(result["p_value"]))
    return result[cols]


def largest_n(df: pd.DataFrame) -> pd.DataFrame:
    """Rows at each backend's largest n (closest to the blog's N = 1e9)."""
    top = df.groupby("backend")["n"].transform("max")
    return df[df["n"] == top]
