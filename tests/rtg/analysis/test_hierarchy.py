"""Two-level bootstrap: processes are the unit, runs are resampled inside them (rtg/analysis/hierarchy.py)."""

import math

import numpy as np
import pytest

from rtg.analysis import hierarchy, stats


def test_point_is_the_median_of_process_medians():
    groups = [np.array([1.0, 2.0, 9.0]), np.array([4.0]), np.array([5.0, 6.0])]
    assert hierarchy.point(groups) == 4.0  # medians 2, 4, 5.5


def test_one_run_per_process_is_the_ordinary_bootstrap():
    rng = np.random.default_rng(3)
    values = rng.normal(10, 1, size=8)
    two_level = hierarchy.median_ci([np.array([v]) for v in values], seed=1)
    flat = stats.bootstrap_median_ci(values, seed=1)
    assert two_level == pytest.approx(flat, abs=0.35)


def test_runs_of_one_process_do_not_pose_as_independent_samples():
    # Five processes whose levels differ a lot, 200 near-identical runs each: the spread that
    # matters is between processes. Pooling the 1000 runs would give a far narrower interval.
    rng = np.random.default_rng(7)
    levels = [1.0, 1.2, 0.9, 1.4, 1.1]
    groups = [level + rng.normal(0, 0.001, size=200) for level in levels]
    low, high = hierarchy.median_ci(groups, seed=2)
    pooled_low, pooled_high = stats.bootstrap_median_ci(np.concatenate(groups), seed=2)
    assert (high - low) > 10 * (pooled_high - pooled_low)
    assert low <= hierarchy.point(groups) <= high


def test_fewer_than_two_processes_have_no_interval():
    assert all(math.isnan(x) for x in hierarchy.median_ci([np.arange(50.0)]))
    ratio, low, high = hierarchy.ratio_ci([np.arange(1.0, 5.0)], [[np.ones(3), np.ones(3)]], [1.0])
    assert ratio == pytest.approx(2.5) and math.isnan(low) and math.isnan(high)


def test_ratio_of_two_equal_cells_covers_one():
    rng = np.random.default_rng(11)
    cell = [rng.normal(1.0, 0.05, size=30) for _ in range(5)]
    other = [rng.normal(1.0, 0.05, size=30) for _ in range(5)]
    ratio, low, high = hierarchy.ratio_ci(cell, [other], [1.0], seed=4)
    assert low < 1 < high
    assert low <= ratio <= high


def test_coverage_of_the_median_interval_is_near_nominal():
    # Processes drawn around a true median of 1; runs add their own noise. 95 % intervals
    # should cover the truth in roughly 95 % of 120 simulated cells (binomial slack: >= 85 %).
    rng = np.random.default_rng(12)
    covered = 0
    for trial in range(120):
        levels = rng.normal(1.0, 0.1, size=7)
        groups = [level + rng.normal(0, 0.05, size=20) for level in levels]
        low, high = hierarchy.median_ci(groups, n_resamples=1000, seed=trial)
        covered += low <= 1.0 <= high
    assert covered >= 102
