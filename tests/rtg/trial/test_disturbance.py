"""The one rule for a disturbed run and the cause it is charged to, on constructed values."""

from __future__ import annotations

import pytest

from rtg.trial import disturbance
from rtg.trial.disturbance import (
    MAX_OFF_SHARE,
    MIN_OFF_S,
    OTHERS,
    OWN_JOBS,
    STEAL,
    cause,
    enough_runs,
    off_cpu_s,
    run_disturbed,
    thread_disturbed,
)
from tests.conftest import ROOT


def test_the_thresholds_are_the_ones_the_docs_and_the_report_state():
    share, floor = f"{MAX_OFF_SHARE * 100:g} %", f"{MIN_OFF_S * 1000:g} ms"
    method = (ROOT / "docs" / "method.md").read_text(encoding="utf-8").split("### The rule")[1].split("###")[0]
    assert f"`MAX_OFF_SHARE` = {share}" in method and f"`MIN_OFF_S` = {floor}" in method
    partial = (ROOT / "workflow" / "report" / "sections" / "interference.html.j2").read_text(encoding="utf-8")
    assert f"more than {share} of its span\nand {floor}" in partial


def test_off_cpu_time_is_run_delay_plus_steal_and_unreadable_counts_as_zero():
    assert off_cpu_s(0.001, 0.002) == pytest.approx(0.003)
    assert off_cpu_s(None, 0.002) == pytest.approx(0.002)
    assert off_cpu_s(0.001, None) == pytest.approx(0.001)
    assert off_cpu_s(None, None) == 0.0
    assert off_cpu_s(float("nan"), 0.001) == pytest.approx(0.001)


#: A call long enough that the share decides (its share is 10x the floor) and one so short that the floor does.
LONG = 10 * MIN_OFF_S / MAX_OFF_SHARE
SHORT = 0.5 * MIN_OFF_S / MAX_OFF_SHARE


@pytest.mark.parametrize(
    ("span_s", "delay_s", "steal_s", "disturbed"),
    [
        (LONG, 0.8 * MAX_OFF_SHARE * LONG, 0.0, False),  # under the share
        (LONG, 1.2 * MAX_OFF_SHARE * LONG, 0.0, True),  # over the share and the floor
        (LONG, 0.0, 1.2 * MAX_OFF_SHARE * LONG, True),  # steal counts as much as run delay
        (LONG, 0.6 * MAX_OFF_SHARE * LONG, 0.6 * MAX_OFF_SHARE * LONG, True),  # and the two add up
        (SHORT, 0.8 * MIN_OFF_S, 0.0, False),  # over the share of a short call but under the floor
        (SHORT, 1.2 * MIN_OFF_S, 0.0, True),  # over both
        (0.0, 0.0, 0.0, False),  # nothing kept it off its CPU
        (0.0, 1.2 * MIN_OFF_S, 0.0, True),  # a zero span: only the floor is left
        (-1.0, 1.2 * MIN_OFF_S, 0.0, True),  # a negative span (clock skew) counts as zero, never negative
        (10.0, None, None, False),  # the kernel said nothing: not disturbed
    ],
)
def test_the_rule_needs_both_the_share_and_the_floor(span_s, delay_s, steal_s, disturbed):
    assert thread_disturbed(span_s, delay_s, steal_s) is disturbed


def test_the_rule_is_strict_at_its_thresholds():
    assert not thread_disturbed(LONG, MAX_OFF_SHARE * LONG, 0.0)
    assert thread_disturbed(LONG, MAX_OFF_SHARE * LONG * 1.001, 0.0)
    assert not thread_disturbed(SHORT, MIN_OFF_S, 0.0)
    assert thread_disturbed(SHORT, MIN_OFF_S * 1.001, 0.0)


def test_another_process_sharing_the_cpu_or_one_tick_of_steal_always_disturbs_a_blog_sized_call():
    # The rule's purpose (rtg/trial/disturbance.py): a 36 ms call (n = 1e8) that lost half its CPU, or one
    # 10 ms tick of steal, is disturbed; 1 ms of wake-ups of other tasks in it is not.
    call = 0.036
    assert thread_disturbed(call, call / 2, 0.0)
    assert thread_disturbed(call, 0.0, 0.010)
    assert not thread_disturbed(call, 0.001, 0.0)


def test_a_run_is_disturbed_when_any_worker_is():
    threads = [[0, 100_000_000, 0.1], [1_000, 100_001_000, 0.1]]  # two 0.1 s spans (ns)
    quiet = [[0.0001, 0.0, 3], [0.0, 0.0, 0]]
    assert not run_disturbed(threads, quiet)
    one = [[0.0001, 0.0, 3], [0.1 * 1.2 * MAX_OFF_SHARE, 0.0, 1]]  # the second worker lost more than the share
    assert run_disturbed(threads, one)
    stolen = [[0.0, 0.02, 0], [0.0, 0.0, 0]]  # two 10 ms ticks of steal
    assert run_disturbed(threads, stolen)


def test_a_run_without_signals_is_never_disturbed():
    threads = [[0, 100_000_000, 0.1]]
    assert not run_disturbed(threads, None)
    assert not run_disturbed(threads, [])


def test_a_run_needs_one_signal_per_thread():
    with pytest.raises(ValueError):
        run_disturbed([[0, 1, 0.0], [0, 1, 0.0]], [[0.0, 0.0, 0]])


def test_the_cause_is_the_larger_part():
    assert cause(0.01, 0.002) == STEAL
    assert cause(0.002, 0.01) == OTHERS
    assert cause(0.002, 0.01, isolated=False) == OWN_JOBS
    assert cause(0.01, 0.002, isolated=False) == STEAL  # steal is the hypervisor's, isolated or not
    assert cause(0.005, 0.005) == STEAL  # a tie goes to steal: the cause nobody on the machine can remove
    assert cause(0.0, 0.0) is None
    assert cause(float("nan"), 0.0) is None
    assert cause(0.0, 0.001) == OTHERS


def test_steal_alone_is_never_charged_to_other_programs():
    # issue 23: "a cell disturbed only by steal is reported as steal, never as 'other programs'".
    for steal_s in (1e-6, 0.001, 0.01, 3.0):
        for isolated in (True, False):
            assert cause(steal_s, 0.0, isolated) == STEAL


def test_the_causes_are_the_three_the_records_allow():
    assert disturbance.CAUSES == (STEAL, OTHERS, OWN_JOBS)
    assert STEAL == "hypervisor steal" and OTHERS == "other programs" and OWN_JOBS == "the pipeline's own jobs"


@pytest.mark.parametrize(("planned", "enough"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (0, 1), (100, 50)])
def test_enough_is_half_the_planned_runs_and_at_least_one(planned, enough):
    assert enough_runs(planned) == enough
