"""The trial runner with real kernels (Numba JIT, compiled Cython)."""

import json
import threading
import time

import pytest

import kernels
from rtg.core.records import write_atomically
from rtg.core.reference import fib_mod64
from rtg.core.scenarios import parse
from rtg.trial import run as trial
from rtg.trial.run import IncorrectResult, TrialPlan, check, run_threads, run_trial


@pytest.fixture(scope="module")
def build_dirs(tmp_path_factory):
    dirs = {}
    for backend in ("cython", "numba"):
        d = tmp_path_factory.mktemp(backend)
        kernels.load(backend).build(d, ["-O2", "-funroll-loops"])
        dirs[backend] = d
    return dirs


@pytest.mark.parametrize("backend", ["cython", "numba"])
@pytest.mark.parametrize("scenario", ["gil", "nogil+gil", "gil+nogil+nogil"])
def test_run_trial_records_every_thread(build_dirs, backend, scenario):
    plan = TrialPlan(backend=backend, scenario=parse(scenario), n=200_000, rep=1)
    result = run_trial(plan, build_dirs[backend], {"cython_version": "x"})
    assert result["correct"] is True
    assert result["result"] == str(fib_mod64(200_000))
    assert result["threads"] == len(scenario.split("+"))
    assert [r["token"] for r in result["thread_records"]] == scenario.split("+")
    assert result["wall_s"] > 0
    assert result["ended_at"] >= result["started_at"]
    for record in result["thread_records"]:
        assert 0 <= record["start_ns"] <= record["end_ns"] <= result["wall_s"] * 1e9 + 1
    assert result["metadata"]["packages"] == {"cython_version": "x"}
    assert result["metadata"]["logical_cpus"] >= 1
    json.dumps(result)  # JSON-able


def test_threads_are_pinned_to_distinct_cpus_when_there_are_enough():
    plan = TrialPlan(backend="numba", scenario=parse("gil+gil"), n=1, rep=1, cpus=[0, 1])
    assert plan.thread_cpus() == [0, 1]
    plan = TrialPlan(backend="numba", scenario=parse("gil+gil+gil"), n=1, rep=1, cpus=[0, 1])
    assert plan.thread_cpus() == [None, None, None]
    plan = TrialPlan(backend="numba", scenario=parse("gil+gil"), n=1, rep=1, pin_threads=False, cpus=[0, 1])
    assert plan.thread_cpus() == [None, None]


def test_run_threads_starts_in_order_and_times_the_region():
    # Both threads must be inside the region at once to pass the barrier: proof that they run
    # side by side, whatever the machine's load (a fixed bound on the wall time was a guess).
    both_running = threading.Barrier(2, timeout=60)

    def slow(n):
        time.sleep(0.05)
        both_running.wait()
        return n

    timing = run_threads([slow, slow], 7, [None, None], ("gil", "nogil"))
    first, second = timing["records"]
    assert first.value == second.value == 7
    assert first.start_ns <= second.start_ns < first.end_ns
    assert timing["wall_s"] >= 0.05
    assert timing["wall_s"] * 1e9 >= max(first.end_ns, second.end_ns)


def test_a_failing_thread_fails_the_trial():
    def broken(n):
        raise ZeroDivisionError("boom")

    with pytest.raises(RuntimeError, match="ZeroDivisionError: boom"):
        run_threads([broken], 1, [None], ("gil",))


def test_wrong_value_gives_a_clear_message():
    result = {
        "backend": "cython",
        "scenario": "gil",
        "n": 10,
        "rep": 1,
        "expected": "55",
        "correct": False,
        "thread_records": [{"index": 0, "token": "gil", "value": "54", "correct": False}],
    }
    with pytest.raises(IncorrectResult, match="expected F\\(n\\) mod 2\\^64 = 55, but thread 0 \\(gil\\) returned 54"):
        check(result)


def test_write_atomically_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a" / "rep1.json"
    write_atomically(target, {"x": 1})
    assert json.loads(target.read_text()) == {"x": 1}
    assert [p.name for p in target.parent.iterdir()] == ["rep1.json"]


def test_auto_runs_aim_at_a_tenth_of_a_second_within_the_cap():
    assert trial.run_count("auto", 0.25) == 1  # the blog's 250 ms call: one run, as before
    assert trial.run_count("auto", 0.025) == 4
    assert trial.run_count("auto", 0.00025) == trial.AUTO_MAX_RUNS
    assert trial.run_count("auto", 0.0) == trial.AUTO_MAX_RUNS
    assert trial.run_count(7, 10.0) == 7
    with pytest.raises(ValueError):
        trial.run_count(0, 1.0)


@pytest.mark.parametrize("backend", ["cython", "numba"])
def test_inner_runs_each_use_fresh_threads_and_give_the_median(build_dirs, backend):
    plan = TrialPlan(backend=backend, scenario=parse("gil+nogil"), n=300_000, rep=2, inner_repetitions=9)
    result = run_trial(plan, build_dirs[backend], {})
    runs = result["runs"]
    assert [r["run"] for r in runs] == list(range(1, 10)) and result["run_count"] == 9
    assert result["wall_s"] == sorted(r["wall_s"] for r in runs)[4]
    assert all(r["correct"] for r in runs)
    # gil first: the GIL-holding call keeps the second thread from starting, in every run.
    assert all(r["serialized"] for r in runs) and result["serialized_runs"] == 9
    assert result["started_at"] <= runs[-1]["started_at"] <= result["ended_at"]
    # threads.csv shows the median run
    median_run = runs[trial.median_run([r["wall_s"] for r in runs])]
    assert [t[0] for t in median_run["threads"]] == [r["start_ns"] for r in result["thread_records"]]


def test_a_wrong_value_in_any_run_fails_the_trial_and_is_shown(monkeypatch, build_dirs):
    calls = []

    def flaky(n):
        calls.append(n)
        return 7 if len(calls) == 6 else fib_mod64(n)  # 6th call: 2 warm-ups, then runs 1-4

    monkeypatch.setattr(kernels.load("cython"), "entry_point", lambda mode, build_dir: flaky)
    result = run_trial(TrialPlan("cython", parse("nogil"), 50_000, 1, inner_repetitions=4), build_dirs["cython"], {})
    assert result["correct"] is False
    assert [r["correct"] for r in result["runs"]].count(False) == 1
    assert result["thread_records"][0]["value"] == "7"
    with pytest.raises(IncorrectResult, match="returned 7"):
        check(result)


def test_the_main_thread_waits_on_the_last_workers_cpu_and_gets_its_cpus_back():
    import os

    before = os.sched_getaffinity(0)
    assert trial.main_cpu([0, 1]) == 1
    assert trial.main_cpu([None, None]) is None
    cpu = min(before)
    with trial.main_thread_on(cpu):
        assert os.sched_getaffinity(0) == {cpu}
    assert os.sched_getaffinity(0) == before
