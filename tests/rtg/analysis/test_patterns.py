"""Call patterns from the summary table (rtg/analysis/patterns.py): points, break-even, claim 3 per k."""

import math

import pandas as pd

from rtg.analysis import patterns
from rtg.core import axes as registry
from rtg.plan import grid


def _summary(ratios: dict[int, tuple[float, float, float]], one_call_s: float = 0.025, si: float = 5.0):
    """Cython at n = 1e8: single-thread cells plus nogil+gil with the given ratio (point, low, high) per k."""
    rows = []
    for k, (ratio, low, high) in ratios.items():
        base = {"backend": "cython", "n": 100_000_000, "calls_per_thread": k, "switch_interval_ms": si,
                "executor": "threads", "interpreter": "cpython-3.11.7"}  # fmt: skip
        rows.append({**base, "scenario": "nogil", "threads": 1, "wall_median": one_call_s})
        rows.append({**base, "scenario": "gil", "threads": 1, "wall_median": one_call_s})
        rows.append({**base, "scenario": "nogil+gil", "threads": 2, "wall_median": one_call_s * ratio,
                     "ratio": ratio, "ratio_ci_low": low, "ratio_ci_high": high})  # fmt: skip
    return pd.DataFrame(rows)


def test_points_put_each_pair_at_the_length_of_one_call():
    pts = patterns.points(_summary({1: (0.95, 0.9, 1.0), 100: (2.0, 1.95, 2.05)}))
    assert list(pts["calls_per_thread"]) == [1, 100]
    assert list(pts["call_s"]) == [0.025, 0.00025]
    assert list(pts["ratio"]) == [0.95, 2.0]


def test_break_even_lies_between_the_last_call_that_pays_and_the_first_that_does_not():
    summary = _summary({1: (0.95, 0.9, 1.0), 10: (1.89, 1.8, 1.95), 100: (2.0, 1.95, 2.05)})
    (row,) = patterns.break_even(summary).to_dict("records")
    assert row["holds_from_s"] == 0.025  # speed-up 2/0.95 = 2.1, CI 2.0-2.2: pays
    assert row["fails_at_s"] == 0.0025  # 2/1.89 = 1.06: does not
    assert "2.11×" in row["speedup_at_holds"]
    assert "Releasing the GIL in one thread: cython (5 ms): ≥1.5× from 25 ms calls" == patterns.headline(summary)


def test_an_undecided_call_is_neither_side():
    (row,) = patterns.break_even(_summary({1: (1.4, 1.0, 1.6)})).to_dict("records")  # speed-up CI 1.25-2.0
    assert math.isnan(row["holds_from_s"]) and math.isnan(row["fails_at_s"])


def test_claim_3_holds_only_for_long_calls():
    table = patterns.claim3(_summary({1: (0.95, 0.9, 1.0), 100: (2.0, 1.95, 2.05)}))
    assert list(table["verdict"]) == ["reproduced", "not reproduced"]


def test_the_section_appears_only_with_several_patterns():
    assert not patterns.varies(_summary({1: (1, 1, 1)}))
    assert patterns.varies(_summary({1: (1, 1, 1), 10: (1, 1, 1)}))
    assert patterns.varies(pd.concat([_summary({1: (1, 1, 1)}), _summary({1: (1, 1, 1)}, si=0.5)]))


def test_mode_segments_name_only_the_axes_off_their_default_and_keep_default_paths():
    assert registry.mode_segment({"executor": "threads"}) == "threads"
    assert registry.mode_segment({"executor": "threads", "calls_per_thread": 100, "switch_interval_ms": 0.5}) == (
        "threads-k100-si0.5"
    )
    assert registry.mode_segment({"executor": "processes", "calls_per_thread": 1, "switch_interval_ms": 10}) == (
        "processes-si10"
    )
    interps = {"cpython-3.11.7": {"default": True}}
    config = {"executors": ["threads"], "backends": ["cython"], "scenarios": ["gil"], "n_values": [100],
              "repetitions": 1, "calls_per_thread": [1, 10], "switch_interval_ms": [5]}  # fmt: skip
    assert grid.trial_paths(config, interps) == [
        "results/trials/cython/gil/n100/rep1.json",
        "results/trials/threads-k10/cpython-3.11.7/cython/gil/n100/rep1.json",
    ]


def test_cells_without_a_single_thread_baseline_draw_no_point():
    from rtg.figures import calls as call_figures

    pts = patterns.points(_summary({1: (1.0, 0.9, 1.1), 10: (1.5, 1.4, 1.6)}).query("threads >= 2"))
    assert pts["call_s"].isna().all()  # no gil/nogil cell to say how long one call is
    figure = call_figures.fig_calls(pts, "title")
    assert not figure.axes[0].lines  # the placeholder, not a log axis of NaNs
    call_figures.plt.close(figure)
