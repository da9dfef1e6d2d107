"""The race outcome of a run and the serialized share of a cell (rtg/trial/race.py)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtg.trial import race


def test_two_threads_are_serialized_only_when_the_later_started_after_the_earlier_returned():
    # gil+nogil: the second thread could only start once the first call returned.
    assert race.serialized([0, 1_000], [900, 1_900])
    assert race.serialized([0, 900], [900, 1_800])  # starting at the very instant counts
    # nogil+gil: the second thread started while the first call ran.
    assert not race.serialized([0, 100], [900, 1_000])
    # The later thread may finish first; the calls still overlapped.
    assert not race.serialized([0, 100], [900, 300])


def test_one_thread_never_races_and_three_threads_use_the_last_start():
    assert not race.serialized([0], [10])
    assert race.serialized([0, 5, 20], [10, 30, 40])  # the third began after the first had returned
    assert not race.serialized([0, 5, 8], [10, 30, 40])
    with pytest.raises(ValueError):
        race.serialized([0, 1], [5])


def test_busy_end_is_the_end_of_the_threads_own_work():
    # A nogil thread that waited 5 ms for the GIL after its 1 ms call: its call ended at 1 ms.
    assert race.busy_end(0, 6_000_000, 0.001) == 1_000_000
    # CPU time a little above the span (clock granularity) never moves the end later.
    assert race.busy_end(0, 1_000, 0.0000011) == 1_000


def test_wilson_interval_matches_the_textbook_values():
    low, high = race.wilson_interval(0, 10)
    assert low == 0 and high == pytest.approx(0.2775, abs=1e-3)
    low, high = race.wilson_interval(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-3)
    assert all(math.isnan(x) for x in race.wilson_interval(0, 0))


def test_all_or_nothing_processes_count_as_processes_not_runs():
    # Two processes serialized every run, two never: 400 runs, but really 4 observations.
    found = race.fraction_ci([100, 100, 0, 0], [100, 100, 100, 100])
    assert found["fraction"] == 0.5
    assert found["effective_n"] == pytest.approx(4)
    assert found["ci_high"] - found["ci_low"] > 0.6


def test_processes_that_agree_count_every_run():
    found = race.fraction_ci([100] * 5, [100] * 5)
    assert found["fraction"] == 1.0
    assert found["effective_n"] == pytest.approx(500)
    assert found["ci_low"] > 0.99


def test_one_process_is_one_observation():
    found = race.fraction_ci([50], [100])
    assert found["effective_n"] == pytest.approx(1)
    assert found["ci_low"] < 0.2 and found["ci_high"] > 0.8


@given(
    st.lists(
        st.integers(min_value=1, max_value=200).flatmap(lambda m: st.tuples(st.integers(0, m), st.just(m))),
        min_size=1,
        max_size=8,
    )
)
def test_the_interval_always_holds_the_fraction_inside_zero_one(cells):
    counts, sizes = zip(*cells, strict=True)
    found = race.fraction_ci(list(counts), list(sizes))
    assert 0 <= found["ci_low"] <= found["fraction"] <= found["ci_high"] <= 1
    assert 1 - 1e-9 <= found["effective_n"] <= sum(sizes) + 1e-9


def test_bimodal_means_both_outcomes_are_common():
    assert race.bimodal(0.4)
    assert not race.bimodal(0.02)
    assert not race.bimodal(0.97)
    assert not race.bimodal(float("nan"))
