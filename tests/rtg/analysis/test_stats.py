"""Statistics on synthetic data with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rtg.analysis import stats
from rtg.core import scenarios
from tests.rtg.synthetic import simulate


def test_ci_covers_true_median_at_about_its_stated_rate():
    # Lognormal(0, 0.3): true median exp(0) = 1. Skewed like timing noise.
    rng = np.random.default_rng(20240611)
    simulations, size = 400, 25
    hits = 0
    for _ in range(simulations):
        sample = rng.lognormal(mean=0.0, sigma=0.3, size=size)
        low, high = stats.bootstrap_median_ci(sample, n_resamples=1000, seed=rng)
        hits += low <= 1.0 <= high
    coverage = hits / simulations
    # Nominal 95 %; binomial SD at 400 draws is ~1.1 points, percentile
    # bootstrap of a median is known to run slightly off nominal.
    assert 0.88 <= coverage <= 0.99, coverage


def test_ci_is_nan_for_one_trial_and_a_point_for_identical_trials():
    assert all(np.isnan(stats.bootstrap_median_ci([1.0])))
    assert stats.bootstrap_median_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)


def test_ci_is_seeded():
    sample = np.random.default_rng(3).normal(10, 1, 12)
    assert stats.bootstrap_median_ci(sample, seed=5) == stats.bootstrap_median_ci(sample, seed=5)


def test_robust_rule_flags_a_planted_outlier_and_nothing_else():
    rng = np.random.default_rng(7)
    sample = rng.normal(0.280, 0.002, size=20)
    sample[13] = 0.560  # one trial preempted for a whole call
    mask = stats.outlier_mask(sample)
    assert mask.tolist() == [i == 13 for i in range(20)]


def test_robust_rule_on_clean_normal_data_flags_almost_nothing():
    rng = np.random.default_rng(8)
    flagged = sum(stats.outlier_mask(rng.normal(1, 0.1, 30)).sum() for _ in range(100))
    # P(|z| > 3.5) is 5e-4 for a normal; MAD noise at n=30 inflates it a little.
    assert flagged / 3000 < 0.01


def test_modified_zscore_known_values_and_zero_mad():
    z = stats.modified_zscores([1, 2, 3, 4, 100])
    # median 3, MAD = median(|x-3|) = median(2,1,0,1,97) = 1
    assert z == pytest.approx(np.array([-2, -1, 0, 1, 97]) / 1.4826)
    # MAD 0 (most values equal): the mean absolute deviation stands in.
    z0 = stats.modified_zscores([5, 5, 5, 5, 9])
    assert z0[-1] == pytest.approx(4 / (1.2533 * 0.8))
    assert stats.outlier_mask([1.0, 1.0]).tolist() == [False, False]


@pytest.mark.parametrize(
    ("intervals", "wall", "expected"),
    [
        ([(0, 10), (5, 15)], 15, 5 / 15),  # half of each thread overlaps
        ([(0, 10), (10, 20)], 20, 0.0),  # back to back: serialized
        ([(0, 10), (12, 20)], 20, 0.0),  # gap between
        ([(0, 10), (0, 10)], 10, 1.0),  # perfectly parallel
        ([(0, 20), (5, 10)], 20, 5 / 20),  # nested
        ([(0, 10), (2, 8), (4, 6)], 10, 6 / 10),  # three threads: >= 2 active 2..8
        ([(0, 10)], 10, 0.0),  # one thread never overlaps
    ],
)
def test_overlap_fraction_on_hand_made_timelines(intervals, wall, expected):
    assert stats.overlap_fraction(intervals, wall) == pytest.approx(expected)


def test_overlap_rejects_reversed_interval():
    with pytest.raises(ValueError, match="ends before"):
        stats.overlap_fraction([(5, 1)], 10)


def test_holm_on_hand_computed_values():
    adjusted = stats.holm([0.01, 0.04, 0.03, 0.005])
    # sorted 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    with_nan = stats.holm([0.01, np.nan, 0.02])
    assert with_nan[0] == pytest.approx(0.02) and np.isnan(with_nan[1]) and with_nan[2] == pytest.approx(0.02)


def test_baseline_makes_serial_k_times_and_parallel_one_time():
    assert scenarios.baseline_scenarios("gil+gil") == {"gil": 1.0}
    assert scenarios.baseline_scenarios("nogil+gil") == {"gil": 0.5, "nogil": 0.5}
    assert scenarios.baseline_scenarios("gil+gil+nogil") == {"gil": 2 / 3, "nogil": 1 / 3}


def test_ratio_ci_contains_the_true_ratio():
    rng = np.random.default_rng(11)
    two = rng.normal(2.0, 0.02, 9)
    one = rng.normal(1.0, 0.01, 9)
    ratio, low, high = stats.bootstrap_ratio_ci(two, [one], [1.0], seed=1)
    assert low <= 2.0 <= high
    assert low < ratio < high
    assert high - low < 0.1


def test_summary_recovers_the_modelled_ratios(synthetic):
    timings, threads = synthetic
    summary = stats.summarize(timings, threads, seed=0)
    assert len(summary) == 2 * 6 * 2
    assert (summary["count"] == 5).all()
    big = summary[summary["n"] == 1_000_000_000].set_index(["backend", "scenario"])
    for backend in ("cython", "numba"):
        assert big.loc[(backend, "gil+gil"), "ratio"] == pytest.approx(2.0, abs=0.05)
        assert big.loc[(backend, "gil+nogil"), "ratio"] == pytest.approx(2.0, abs=0.05)
        assert big.loc[(backend, "nogil+gil"), "ratio"] == pytest.approx(1.0, abs=0.05)
        assert big.loc[(backend, "nogil+nogil"), "ratio"] == pytest.approx(1.0, abs=0.05)
        assert big.loc[(backend, "nogil+nogil"), "overlap_fraction_median"] > 0.95
        assert big.loc[(backend, "gil+gil"), "overlap_fraction_median"] == 0.0
        assert big.loc[(backend, "gil"), "ns_per_iter_median"] == pytest.approx(0.28, rel=0.05)
        # The second thread of gil+nogil waits for a whole call (~280 ms).
        assert big.loc[(backend, "gil+nogil"), "start_delay_ms_median"] > 250
        assert big.loc[(backend, "nogil+gil"), "start_delay_ms_median"] < 1
        assert big.loc[(backend, "nogil+nogil"), "parallel_efficiency_median"] == pytest.approx(2, abs=0.1)
        row = big.loc[(backend, "gil+gil")]
        assert row["ratio_ci_low"] <= row["ratio"] <= row["ratio_ci_high"]
        assert row["wall_ci_low"] <= row["wall_median"] <= row["wall_ci_high"]
    assert np.isnan(big.loc[("cython", "gil"), "ratio"])


def test_incorrect_trials_are_counted_never_averaged(synthetic):
    timings, threads = synthetic
    bad = (timings["backend"] == "cython") & (timings["scenario"] == "gil") & (timings["rep"] == 1)
    timings.loc[bad, "correct"] = False
    timings.loc[bad, "wall_s"] = 1000.0
    summary = stats.summarize(timings, threads).set_index(["backend", "scenario", "n"])
    row = summary.loc[("cython", "gil", 100_000_000)]
    assert row["incorrect"] == 1 and row["count"] == 4
    assert row["wall_max"] < 1.0


def test_extra_categorical_axis_splits_cells_instead_of_averaging():
    t1, h1 = simulate(
        backends=("numba",),
        scenarios=("gil", "gil+gil"),
        n_values=(10**8,),
        extra_columns={"executor": "threads"},
    )
    t2, h2 = simulate(
        backends=("numba",),
        scenarios=("gil", "gil+gil"),
        n_values=(10**8,),
        extra_columns={"executor": "processes"},
        seed=2,
    )
    t2["wall_s"] *= 3  # a different axis value with very different times
    timings = pd.concat([t1, t2], ignore_index=True)
    threads = pd.concat([h1, h2], ignore_index=True)
    assert stats.cell_key_columns(timings) == ["backend", "scenario", "n", "executor"]
    summary = stats.summarize(timings, threads)
    assert len(summary) == 4
    medians = summary.set_index(["executor", "scenario"])["wall_median"]
    assert medians[("processes", "gil")] == pytest.approx(3 * medians[("threads", "gil")], rel=0.05)
    assert summary["ratio"].dropna().tolist() == pytest.approx([2.0, 2.0], abs=0.05)


def test_start_order_test_finds_the_modelled_effect(synthetic):
    timings, _ = synthetic
    result = stats.start_order_tests(timings)
    assert len(result) == 4  # 2 backends x 2 n
    # 5 vs 5, complete separation: exact two-sided p = 2/252.
    assert result["p_value"].tolist() == pytest.approx([2 / 252] * 4)
    assert result["p_holm"].tolist() == pytest.approx([8 / 252] * 4)
    assert (result["effect_rank_biserial"] == 1.0).all()
    assert result["ratio"].tolist() == pytest.approx([2.0] * 4, abs=0.05)


def test_start_order_no_effect_is_not_significant():
    timings, _ = simulate(scenarios=("gil+nogil", "nogil+gil"), repetitions=8, seed=4)
    # Both orders drawn from one distribution per cell: no effect to find.
    rng = np.random.default_rng(12)
    timings["wall_s"] = timings["n"] * 0.56e-9 * rng.normal(1, 0.01, len(timings))
    result = stats.start_order_tests(timings)
    assert (result["p_holm"] > 0.05).all()
    assert result["ratio"].tolist() == pytest.approx([1.0] * 4, abs=0.02)


def test_truthy_reads_bools_and_csv_strings():
    column = pd.Series([True, False, "True", "False", "true", "0"], dtype=object)
    assert stats.truthy(column).tolist() == [True, False, True, False, True, False]


def test_busy_end_ignores_time_spent_waiting_to_retake_the_gil():
    # Thread 0 computed for 100 ms but could only read the clock after thread 1's
    # whole 100 ms call: its raw end says 200 ms, its CPU time says 100 ms.
    threads = pd.DataFrame({"start_ns": [0, 100_000_000], "end_ns": [200_000_000, 200_000_000], "cpu_s": [0.1, 0.1]})
    busy = stats.busy_end_ns(threads)
    assert list(busy) == [100_000_000, 200_000_000]
    intervals = list(zip(threads["start_ns"], busy, strict=True))
    assert stats.overlap_fraction(intervals, 200_000_000) == 0.0


def test_a_cell_whose_processes_timed_their_own_baseline_takes_the_median_of_their_ratios():
    # The one-thread cell ran in slow and fast processes alike (a VM's drift): the cells' ratio would be wide;
    # each pair process's own ratio is 2.0 +- 0.05 whatever its speed.
    rows = [
        {"backend": "json_dumps", "scenario": "call", "n": 8, "rep": r, "wall_s": w, "paired_ratio": None}
        for r, w in enumerate([0.020, 0.032, 0.021, 0.030, 0.025], start=1)
    ] + [
        {"backend": "json_dumps", "scenario": "call+call", "n": 8, "rep": r, "wall_s": w, "paired_ratio": p}
        for r, (w, p) in enumerate([(0.040, 2.0), (0.064, 1.95), (0.042, 2.05), (0.061, 2.02), (0.050, 1.98)], start=1)
    ]
    table = stats.ratio_table(pd.DataFrame(rows))
    (row,) = table.to_dict("records")
    assert (row["scenario"], row["ratio_method"], row["ratio"]) == ("call+call", stats.PAIRED, 2.0)
    assert 1.95 <= row["ratio_ci_low"] <= 2.0 <= row["ratio_ci_high"] <= 2.05
    # A process without its own baseline (an older trial): the cell falls back to the two cells' ratio.
    rows[-1]["paired_ratio"] = None
    (row,) = stats.ratio_table(pd.DataFrame(rows)).to_dict("records")
    assert row["ratio_method"] == stats.CELLS
    assert row["ratio_ci_high"] - row["ratio_ci_low"] > 0.3
