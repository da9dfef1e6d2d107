"""Many short calls from a Python loop (rtg/trial/calls.py), and trials that make them with real kernels."""

import sys

import pytest

import kernels
from rtg.core.reference import fib_mod64
from rtg.core.scenarios import parse
from rtg.trial.calls import CallLog, call_loop
from rtg.trial.run import TrialPlan, run_trial


def test_summary_gives_the_longest_gap_call_and_wait():
    log = CallLog(starts_ns=[0, 110, 400], stops_ns=[100, 300, 500])
    found = log.summary()
    assert found["calls"] == 3
    assert found["max_gap_s"] == pytest.approx(100e-9)  # 300 -> 400
    assert found["max_call_s"] == pytest.approx(190e-9)
    assert found["median_call_s"] == pytest.approx(100e-9)
    assert found["max_wait_s"] == pytest.approx(90e-9)


def test_every_call_is_checked_and_the_work_is_split():
    seen = []

    def fn(m):
        seen.append(m)
        return 42 if len(seen) != 3 else 7

    log = CallLog()
    assert call_loop(fn, 1_000, 10, 42, log) == 42
    assert seen == [100] * 10
    assert log.wrong == 1 and len(log.starts_ns) == len(log.stops_ns) == 10


@pytest.fixture(scope="module")
def cython_build(tmp_path_factory):
    build = tmp_path_factory.mktemp("cython")
    kernels.load("cython").build(build, ["-O2", "-funroll-loops"])
    return build


@pytest.mark.parametrize("scenario", ["nogil", "nogil+gil"])
def test_a_trial_of_k_calls_checks_f_of_n_over_k(cython_build, scenario):
    before = sys.getswitchinterval()
    plan = TrialPlan("cython", parse(scenario), 1_000_000, 1, calls_per_thread=100, switch_interval_ms=0.5,
                     inner_repetitions=3)  # fmt: skip
    result = run_trial(plan, cython_build, {})
    assert result["correct"] is True
    assert result["expected"] == str(fib_mod64(10_000)) == result["result"]
    assert result["calls_per_thread"] == 100 and result["switch_interval_ms"] == 0.5
    assert result["switch_interval_s"] == pytest.approx(0.0005)
    assert sys.getswitchinterval() == before  # the caller's interval is back
    for thread in result["thread_records"]:
        assert thread["calls"] == 100 and thread["wrong_calls"] == 0
        assert 0 <= thread["max_gap_s"] < result["wall_s"]
    assert result["heartbeat_max_stall_s"] is None  # off unless asked for


def test_the_processes_executor_makes_the_same_calls(cython_build):
    plan = TrialPlan("cython", parse("nogil+gil"), 1_000_000, 1, executor="processes", calls_per_thread=10,
                     inner_repetitions=1)  # fmt: skip
    result = run_trial(plan, cython_build, {})
    assert result["correct"] is True and result["expected"] == str(fib_mod64(100_000))
    assert [t["calls"] for t in result["thread_records"]] == [10, 10]
