"""Interference signals read from the real kernel: /proc/thread-self/schedstat, getrusage, /proc/stat.

This machine is a VM whose hypervisor steals CPU in episodes, so no test here says steal is zero or a run
undisturbed; they hold the structure, the invariants, and the rule where a busy program really shared a CPU.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time

import pytest

import kernels
from rtg.collect import integrity
from rtg.core import records
from rtg.core.scenarios import parse
from rtg.trial import disturbance, interference
from rtg.trial.interference import CpuTimes, thread_steal_s
from rtg.trial.run import TrialPlan, run_trial

linux = pytest.mark.skipif(not os.path.exists("/proc/thread-self/schedstat"), reason="needs Linux's schedstat")


def in_new_thread(work, cpu: int | None = None) -> tuple[float, tuple]:
    """Run ``work`` in a new thread (pinned to ``cpu``); its span (s) and its counters read as it ends."""
    out = {}

    def body():
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})  # this thread only
        start = time.perf_counter()
        work()
        out["span"] = time.perf_counter() - start
        out["counters"] = interference.thread_counters()

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return out["span"], out["counters"]


def spin(seconds: float) -> None:
    """Busy work: the thread stays runnable the whole time (no sleep, no GIL wait)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


@linux
def test_a_threads_counters_are_readable_non_negative_and_never_fall():
    def twice():
        first = interference.thread_counters()
        spin(0.01)
        second = interference.thread_counters()
        out.extend([first, second])

    out: list = []
    in_new_thread(twice)
    (delay0, switches0), (delay1, switches1) = out
    assert isinstance(delay0, float) and isinstance(switches0, int)
    assert 0 <= delay0 <= delay1
    assert 0 <= switches0 <= switches1


@linux
def test_a_new_thread_starts_its_counters_at_zero():
    # Since it was created, not since the process was: its run delay fits in its own lifetime.
    spin(0.05)
    for _ in range(3):
        born = time.perf_counter()
        _, (delay, switches) = in_new_thread(lambda: None)
        lifetime = time.perf_counter() - born
        assert 0 <= delay <= lifetime
        assert switches >= 0


@linux
def test_a_thread_waiting_behind_a_busy_program_on_its_cpu_is_delayed_and_the_rule_flags_it():
    cpu = min(os.sched_getaffinity(0))
    code = f"import os; os.sched_setaffinity(0, {{{cpu}}}); print(1, flush=True)\nwhile True: pass"
    spans = []
    for _attempt in range(5):  # a condition, retried: the busy program shared the CPU while the thread ran
        alone_span, (alone_delay, _) = in_new_thread(lambda: spin(0.05), cpu)
        busy = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        try:
            assert busy.stdout.readline().strip() == b"1"  # it spins on that CPU now
            span, (delay, _) = in_new_thread(lambda: spin(0.05), cpu)
        finally:
            busy.kill()
            busy.wait()
        spans.append((alone_span, alone_delay, span, delay))
        if delay > alone_delay and disturbance.thread_disturbed(span, delay, 0.0):
            break
    else:
        pytest.fail(f"never delayed behind a busy program on CPU {cpu}: (span, delay) alone and beside it {spans}")
    assert delay <= span  # kept off its CPU for part of its span, never more


def test_cpu_times_has_every_cpu_with_counters_that_only_grow():
    before = interference.cpu_times()
    assert before is not None
    assert set(os.sched_getaffinity(0)) <= set(before.busy) == set(before.steal)
    spin(0.05)
    after = interference.cpu_times()
    delta = after - before
    assert all(ticks >= 0 for ticks in delta.busy.values())
    assert all(ticks >= 0 for ticks in delta.steal.values())
    assert delta.busy_s() >= 0 and delta.steal_s() >= 0
    assert delta.steal_s() == pytest.approx(sum(delta.steal_s({cpu}) for cpu in delta.steal))
    assert delta.busy_s(set()) == 0.0


def test_own_cpu_time_counts_this_process_and_its_reaped_children():
    before = interference.own_cpu_s()
    spin(0.05)
    after_spin = interference.own_cpu_s()
    assert after_spin - before >= 0.04  # thread CPU time of the spin is in the process's
    subprocess.run(
        [sys.executable, "-c", "import time\nend = time.process_time() + 0.1\nwhile time.process_time() < end: pass"],
        check=True,
    )
    assert interference.own_cpu_s() - after_spin >= 0.09


def test_cpu_times_subtract_per_cpu_and_a_new_cpu_counts_from_zero():
    earlier = CpuTimes(busy={0: 100, 1: 200}, steal={0: 5, 1: 7})
    later = CpuTimes(busy={0: 150, 1: 260, 2: 9}, steal={0: 8, 1: 7, 2: 1})
    delta = later - earlier
    assert delta.busy == {0: 50, 1: 60, 2: 0} and delta.steal == {0: 3, 1: 0, 2: 0}
    assert delta.steal_s({0}) == pytest.approx(3 * interference.TICK_S)
    assert delta.busy_s({0, 1}) == pytest.approx(110 * interference.TICK_S)


def test_steal_on_a_pinned_threads_cpu_or_the_mean_over_its_cpus_capped_at_its_span():
    tick = interference.TICK_S
    delta = CpuTimes(busy={0: 0, 1: 0}, steal={0: 4, 1: 0})
    assert thread_steal_s(delta, 0, {0, 1}, span_s=10.0) == pytest.approx(4 * tick)
    assert thread_steal_s(delta, 1, {0, 1}, span_s=10.0) == 0.0
    assert thread_steal_s(delta, None, {0, 1}, span_s=10.0) == pytest.approx(2 * tick)  # unpinned: the mean
    # A 10 ms tick that ends inside a 1 ms run says steal happened, not that 40 ms of it fell in the run.
    assert thread_steal_s(delta, 0, {0, 1}, span_s=0.001) == pytest.approx(0.001)
    assert thread_steal_s(delta, 0, {0, 1}, span_s=-1.0) == 0.0
    assert thread_steal_s(None, 0, {0, 1}, span_s=1.0) is None
    assert thread_steal_s(delta, None, set(), span_s=10.0) == 0.0


@pytest.fixture(scope="module")
def cython_build(tmp_path_factory):
    build_dir = tmp_path_factory.mktemp("cython")
    manifest = kernels.load("cython").build(build_dir, ["-O2", "-funroll-loops"])
    return build_dir, manifest


def measured(cython_build, **plan) -> dict:
    build_dir, manifest = cython_build
    settings = {"inner_repetitions": 5, "quiet_wait_limit_s": 0.3, **plan}
    return run_trial(
        TrialPlan(backend="cython", scenario=parse("nogil+gil"), n=200_000, rep=1, **settings), build_dir, manifest
    )


@linux
@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_a_real_trial_records_each_workers_signals_and_applies_the_rule(cython_build, executor):
    record = measured(cython_build, executor=executor)
    planned = record["planned_runs"]
    assert planned == 5 and planned <= record["run_count"] == len(record["runs"]) <= 2 * planned
    for run in record["runs"]:
        assert len(run["signals"]) == len(run["threads"]) == 2
        for (start, end, _cpu), (delay, steal, switches) in zip(run["threads"], run["signals"], strict=True):
            assert isinstance(delay, float) and delay >= 0  # read from /proc, for each worker
            assert isinstance(switches, int) and switches >= 0
            assert steal is not None and 0 <= steal <= (end - start) / 1e9 + 1e-9  # capped at its span
        assert run["disturbed"] is disturbance.run_disturbed(run["threads"], run["signals"])
        assert not run["set_aside"] or run["disturbed"]
    undisturbed = sum(not run["disturbed"] for run in record["runs"])
    assert record["disturbed"] is (undisturbed < disturbance.enough_runs(planned))
    kept = [run for run in record["runs"] if not run["set_aside"]]
    assert record["wall_s"] == statistics.median(run["wall_s"] for run in kept)
    found = record["interference"]
    assert found["disturbed_runs"] == len(record["runs"]) - undisturbed
    assert found["set_aside_runs"] == len(record["runs"]) - len(kept)
    assert found["replacement_runs"] == len(record["runs"]) - planned
    assert (found["cause"] is None) is (found["disturbed_runs"] == 0)
    assert found["cause"] in (None, *disturbance.CAUSES)
    assert found["steal_s"] >= 0 and found["others_cpu_s"] >= 0 and found["run_delay_s"] >= 0
    assert found["run_delay_s"] == pytest.approx(sum(s[0] for run in record["runs"] for s in run["signals"]))
    assert record["remeasure"] is True
    assert 1 <= len(record["quiet_gate"]) <= 2  # before timing, and again before replacing runs
    first_pass = sum(not run["disturbed"] for run in record["runs"][:planned])
    assert (len(record["quiet_gate"]) == 2) is (first_pass < planned)  # a second gate only before replacing runs
    for gate in record["quiet_gate"]:
        assert gate["windows"] >= 1 and gate["waited_s"] >= 0
    for row in record["thread_records"]:
        assert {"run_delay_s", "steal_s", "involuntary_switches"} <= set(row)
    record["metadata"]["config_sha256"] = records.config_digest({"remeasure": True})
    assert integrity.schema_problems(records.seal(record)) == []


@linux
def test_without_remeasure_every_run_is_kept_as_measured(cython_build):
    record = measured(cython_build, remeasure=False, quiet_wait_limit_s=5.0)
    assert record["remeasure"] is False
    assert record["run_count"] == record["planned_runs"] == 5  # no replacement run
    assert not any(run["set_aside"] for run in record["runs"])
    assert record["interference"]["set_aside_runs"] == record["interference"]["replacement_runs"] == 0
    assert [gate["windows"] for gate in record["quiet_gate"]] == [0]  # no gate
    assert record["wall_s"] == statistics.median(run["wall_s"] for run in record["runs"])
    for run in record["runs"]:  # the signals are recorded either way
        assert run["disturbed"] is disturbance.run_disturbed(run["threads"], run["signals"])
