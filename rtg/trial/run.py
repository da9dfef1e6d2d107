"""One trial: start the scenario's threads exactly as the blog does, time them.

The timed region runs from the first ``Thread.start()`` to the last
``join()``. There is no barrier: whether the second thread can start while the
first one holds the GIL *is* the effect under study. Imports, loading the
kernel, one short warm-up call per entry point and one untimed run of the
whole scenario (fresh threads at ``WARMUP_N``, or n when smaller: the first thread creation of a
process is slower) happen before the region.

One process times the region ``inner_repetitions`` times, with fresh threads
each time (a *run*). A 0.25 ms call is far shorter than the noise of starting
a process, so one run per process cannot resolve it; many runs per process
can, while the process stays the independent unit of the statistics
(rtg/analysis/hierarchy.py). ``auto`` calibrates the count as pyperf calibrates its
loops: enough runs for about ``AUTO_TARGET_S`` of timed work, at most
``AUTO_MAX_RUNS``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rtg.build import interpreters
from rtg.core.errors import UserError
from rtg.core.records import manifest_digest
from rtg.core.scenarios import Scenario
from rtg.trial import disturbance, executors, interference, metadata, quiet, race
from rtg.trial import paired as paired_module
from rtg.trial.calls import CallLog, call_loop
from rtg.trial.heartbeat import Heartbeat, stalls

SCHEMA_VERSION = 3
#: n for the warm-up call: long enough to execute the loop, short enough to be free.
WARMUP_N = 1_000
#: ``inner_repetitions: auto``: time the region until about this much timed work ...
AUTO_TARGET_S = 0.1
#: ... but never more runs than this in one process.
AUTO_MAX_RUNS = 100
#: Per-run readings of the heartbeat and gilknocker (rtg/trial/heartbeat.py), when it is on.
OBSERVED = ("heartbeat_max_stall_s", "heartbeat_p99_stall_s", "heartbeat_stall_share", "gil_contention")


class IncorrectResult(UserError):
    """A kernel returned a value that differs from the reference."""


@dataclass
class ThreadRecord:
    """What one worker thread saw, filled in by the thread itself."""

    index: int
    token: str
    cpu: int | None
    start_ns: int = 0
    end_ns: int = 0
    cpu_s: float = 0.0
    value: int | None = None
    error: str | None = None
    #: With calls_per_thread > 1: what the thread's call loop saw (rtg/trial/calls.py).
    calls: CallLog | None = None
    #: Read by the thread as it ends (rtg/trial/interference.py): time kept off its CPU by other tasks,
    #: its involuntary switches; the steal on its CPU is filled in by the main thread after the run.
    run_delay_s: float | None = None
    involuntary_switches: int | None = None
    steal_s: float | None = None

    def signals(self) -> list[float | int | None]:
        """This thread's interference signals, in the order of ``interference.THREAD_SIGNALS``."""
        return [self.run_delay_s, self.steal_s, self.involuntary_switches]


@dataclass
class TrialPlan:
    """Everything needed to run one grid point."""

    backend: str
    scenario: Scenario
    n: int
    rep: int
    pin_threads: bool = True
    cpus: list[int] = field(default_factory=metadata.affinity)
    #: "threads" (the blog) or "processes" (one fresh interpreter per token, see rtg.trial.executors).
    executor: str = "threads"
    #: Timed runs in this process: a count >= 1 or "auto" (see ``run_count``).
    inner_repetitions: int | str = "auto"
    #: Each thread makes this many calls of n / calls iterations from a Python loop (1: the blog).
    calls_per_thread: int = 1
    #: CPython's switch interval for this trial, set before the warm-up (5 ms is CPython's default).
    switch_interval_ms: float = 5.0
    #: Run the heartbeat thread and gilknocker during the timed region (rtg/trial/heartbeat.py).
    heartbeat: bool = False
    #: Cure interference: wait for calm before timing, replace disturbed runs (rtg/trial/disturbance.py).
    remeasure: bool = True
    #: The quiet gate waits at most this long before the first timed run (rtg/trial/quiet.py).
    quiet_wait_limit_s: float = 5.0
    #: Trials run alone (isolate_trials): other processes' activity is judged; else it is the pipeline's own.
    isolated: bool = True
    #: Time one-thread runs of the scenario's tokens between its runs (rtg/trial/paired.py).
    paired_baseline: bool = False

    def thread_cpus(self) -> list[int | None]:
        """One distinct CPU per thread when there are enough, else no pinning."""
        if not self.pin_threads or self.scenario.threads > len(self.cpus):
            return [None] * self.scenario.threads
        return list(self.cpus[: self.scenario.threads])


def _worker(
    fn: Callable[[int], int], n: int, record: ThreadRecord, origin_ns: int, calls: int = 1, expected: int = 0
) -> None:
    if record.cpu is not None:
        # On Linux this pins only the calling thread.
        os.sched_setaffinity(0, {record.cpu})
    record.start_ns = time.perf_counter_ns() - origin_ns
    cpu0 = time.thread_time()
    try:
        if calls == 1:
            record.value = fn(n)  # the blog's one long call, nothing around it
        else:
            record.calls = CallLog()
            record.value = call_loop(fn, n, calls, expected, record.calls)
    except BaseException as exc:  # recorded and re-raised in the main thread
        record.error = f"{type(exc).__name__}: {exc}"
    record.cpu_s = time.thread_time() - cpu0
    record.end_ns = time.perf_counter_ns() - origin_ns
    # After the span: since this thread was created (a new thread starts at zero), no read before its call.
    record.run_delay_s, record.involuntary_switches = interference.thread_counters()


def run_threads(
    functions: list[Callable[[int], int]],
    n: int,
    cpus: list[int | None],
    tokens: tuple[str, ...],
    calls: int = 1,
    expected: int = 0,
    heartbeat: bool = False,
) -> dict:
    """Run ``functions[i](n)`` in thread i (as ``calls`` calls of n / calls), started in list order; return timings.

    ``expected`` is the value of one call (F(n / calls)), checked after every call when ``calls`` > 1.
    """
    records = [ThreadRecord(index=i, token=tok, cpu=cpu) for i, (tok, cpu) in enumerate(zip(tokens, cpus, strict=True))]
    beat = None
    if heartbeat:
        # Threads inherit the CPUs of the thread that starts them: on a CPU no worker uses when
        # there is one (the heartbeat then costs the workers nothing), else wherever Linux likes.
        spare = sorted(os.sched_getaffinity(0) - {c for c in cpus if c is not None})
        beat = Heartbeat()
        with main_thread_on(spare[0] if spare and any(c is not None for c in cpus) else None):
            beat.start()  # before the region: its own start-up is never timed
    with main_thread_on(main_cpu(cpus)):
        return _timed_threads(functions, n, records, calls, expected, beat)


def main_cpu(cpus: list[int | None]) -> int | None:
    """The CPU the main thread waits on while pinned workers run: the last worker's.

    The main thread only starts the workers and then waits in ``join()``. Left
    free, Linux often keeps it on the first worker's CPU, and once that worker
    computes, starting the next thread waits for the scheduler to preempt one
    of them: about 0.3 ms on this project's 2-CPU machine, in some processes
    and not others (docs/calls.md, "Serialized runs"). On the last worker's CPU it
    competes with nobody until that worker exists.
    """
    pinned = [cpu for cpu in cpus if cpu is not None]
    return pinned[-1] if pinned else None


@contextlib.contextmanager
def main_thread_on(cpu: int | None) -> Iterator[None]:
    """Pin the calling thread to ``cpu`` for the block (no-op for None), then restore its CPUs."""
    if cpu is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _timed_threads(
    functions: list[Callable[[int], int]],
    n: int,
    records: list[ThreadRecord],
    calls: int = 1,
    expected: int = 0,
    beat: Heartbeat | None = None,
) -> dict:
    load_before = metadata.loadavg()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    machine_before = interference.cpu_times_at_most_every()
    started_at = time.time()
    origin_ns = time.perf_counter_ns()
    threads = [
        threading.Thread(
            target=_worker, args=(fn, n, rec, origin_ns, calls, expected), name=f"trial-{rec.index}-{rec.token}"
        )
        for fn, rec in zip(functions, records, strict=True)
    ]
    # Timed region: the blog's t1.start(); t2.start(); t1.join(); t2.join().
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall_ns = time.perf_counter_ns() - origin_ns
    ended_at = time.time()
    machine_after = interference.cpu_times_at_most_every()
    steal_during(records, machine_before, machine_after)
    observed: dict = {}
    if beat is not None:
        contention = beat.stop()
        observed = {**stalls(beat.wakes_ns, origin_ns, origin_ns + wall_ns), "gil_contention": contention}
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    load_after = metadata.loadavg()
    errors = [f"thread {r.index} ({r.token}): {r.error}" for r in records if r.error]
    if errors:
        raise RuntimeError("; ".join(errors))
    # getrusage: microsecond resolution (os.times() counts 10 ms clock ticks).
    user = cpu_after.ru_utime - cpu_before.ru_utime
    system = cpu_after.ru_stime - cpu_before.ru_stime
    return {
        "wall_s": wall_ns / 1e9,
        "cpu_s": user + system,
        "cpu_user_s": user,
        "cpu_sys_s": system,
        "started_at": started_at,
        "ended_at": ended_at,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "records": records,
        **observed,
    }


def steal_during(
    records: list[ThreadRecord], before: interference.CpuTimes | None, after: interference.CpuTimes | None
) -> None:
    """Fill in each worker's steal: on its CPU during the run (the mean over this process's CPUs when unpinned)."""
    if before is None or after is None:
        return
    delta = after - before
    allowed = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set(delta.steal)
    for r in records:
        r.steal_s = interference.thread_steal_s(delta, r.cpu, allowed, (r.end_ns - r.start_ns) / 1e9)


def run_count(setting: int | str, first_wall_s: float) -> int:
    """How many timed runs a process makes, given its first run took ``first_wall_s``.

    An integer setting is used as it is. ``auto`` aims at ``AUTO_TARGET_S`` of
    timed work in total, between 1 and ``AUTO_MAX_RUNS`` runs: a 250 ms call
    gets 1 run (the blog's design), a 0.25 ms call gets 100.
    """
    if setting != "auto":
        count = int(setting)
        if count < 1:
            raise ValueError(f"inner_repetitions must be >= 1 or auto, got {setting!r}")
        return count
    if first_wall_s <= 0:
        return AUTO_MAX_RUNS
    return max(1, min(AUTO_MAX_RUNS, math.ceil(AUTO_TARGET_S / first_wall_s)))


def run_record(index: int, timing: dict) -> dict:
    """One run as stored in the trial file: timings, per-thread spans, the race outcome."""
    records: list[ThreadRecord] = timing["records"]
    starts = [r.start_ns for r in records]
    ends = [race.busy_end(r.start_ns, r.end_ns, r.cpu_s) for r in records]
    return {
        "run": index,
        "wall_s": timing["wall_s"],
        "cpu_s": timing["cpu_s"],
        "started_at": timing["started_at"],
        "pinned": any(r.cpu is not None for r in records),
        "serialized": race.serialized(starts, ends),
        # [start_ns, end_ns, cpu_s] per thread, offsets from this run's own start.
        "threads": [[r.start_ns, r.end_ns, r.cpu_s] for r in records],
        # [run_delay_s, steal_s, involuntary_switches] per thread (interference.THREAD_SIGNALS).
        "signals": [r.signals() for r in records],
        # The one rule (rtg/trial/disturbance.py); set_aside: left out of the statistics, a new run replaced it.
        "disturbed": disturbance.run_disturbed(
            [[r.start_ns, r.end_ns] for r in records], [r.signals() for r in records]
        ),
        "set_aside": False,
        "correct": None,  # filled in by run_trial against the reference
        # The longest wait of any thread between one call's return and its next call (calls_per_thread > 1).
        "max_gap_s": max((r.calls.summary()["max_gap_s"] for r in records if r.calls), default=0.0),
        **{key: timing[key] for key in OBSERVED if key in timing},
    }


def undisturbed(runs: list[dict]) -> int:
    """How many of ``runs`` the rule let through."""
    return sum(not run["disturbed"] for run in runs)


def trial_interference(
    runs: list[dict],
    planned: int,
    before: interference.CpuTimes | None,
    after: interference.CpuTimes | None,
    own_cpu_s: float,
    isolated: bool,
) -> dict:
    """The trial's interference: on the machine while it timed, in its workers, and the cause charged.

    ``steal_s`` and ``others_cpu_s`` cover this process's CPUs from its first timed run to its last;
    ``others_cpu_s`` is their busy time minus this process's own. The cause looks only at the
    disturbed runs' workers: their steal against their run delay (rtg/trial/disturbance.py).
    """
    cpus = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    delta = after - before if before is not None and after is not None else None
    disturbed = [run for run in runs if run["disturbed"]]

    def total(which: list[dict], index: int) -> float:
        return float(sum(signal[index] or 0.0 for run in which for signal in run["signals"]))

    return {
        "steal_s": delta.steal_s(cpus) if delta else None,
        "others_cpu_s": max(0.0, delta.busy_s(cpus) - own_cpu_s) if delta else None,
        "run_delay_s": total(runs, 0),
        "worker_steal_s": total(runs, 1),
        "disturbed_runs": len(disturbed),
        "set_aside_runs": sum(run["set_aside"] for run in runs),
        "replacement_runs": max(0, len(runs) - planned),
        "cause": disturbance.cause(total(disturbed, 1), total(disturbed, 0), isolated) if disturbed else None,
    }


def median_run(walls: list[float]) -> int:
    """Index of the run whose wall time is the (lower) median: its threads go to threads.csv."""
    order = sorted(range(len(walls)), key=walls.__getitem__)
    return order[(len(order) - 1) // 2]


def run_trial(plan: TrialPlan, build_dir: Path, manifest: dict) -> dict:
    """Load the backend, warm up, time the region ``run_count`` times, check every value.

    The switch interval is the plan's for the whole trial and the caller's again afterwards.
    """
    before = sys.getswitchinterval()
    try:
        return _run_trial(plan, build_dir, manifest)
    finally:
        sys.setswitchinterval(before)


def _run_trial(plan: TrialPlan, build_dir: Path, manifest: dict) -> dict:
    if plan.executor not in executors.EXECUTORS:
        raise ValueError(f"unknown executor {plan.executor!r}; allowed: {', '.join(executors.EXECUTORS)}")
    if plan.calls_per_thread < 1 or plan.n % plan.calls_per_thread:
        raise ValueError(f"calls_per_thread {plan.calls_per_thread} must be >= 1 and divide n = {plan.n}")
    # Before the warm-up, so that everything after it runs under the interval being measured.
    sys.setswitchinterval(plan.switch_interval_ms / 1000)
    import kernels

    backend = kernels.load(plan.backend)
    reference = kernels.reference_of(plan.backend)
    check = kernels.check_of(plan.backend)
    modes = sorted(set(plan.scenario.tokens))
    # Processes load the kernel in each worker; loading it here too checks the
    # build (warm-up value) and records this interpreter's GIL state after import.
    entry = {mode: backend.entry_point(mode, build_dir) for mode in modes}
    calls = plan.calls_per_thread
    call_n = plan.n // calls
    # Warm-up: loads caches and pages outside the timed region, and checks every entry point. Never longer
    # than a timed call: where n counts library calls (the gallery, n = 5 calls of 3 ms), 1000 would be seconds.
    warm_n = min(WARMUP_N, call_n)
    warm = {mode: entry[mode](warm_n) for mode in modes}
    warm_expected = reference(warm_n) if reference else warm[modes[0]]
    for mode, value in warm.items():
        if value != warm_expected:
            what = (
                f"the reference gives {warm_expected}"
                if reference
                else f"the {modes[0]} entry point gave {warm_expected}"
            )
            raise IncorrectResult(
                f"{plan.backend} {mode}: the warm-up call with n = {warm_n} returned {value}, but {what}: the "
                f"kernel is wrong; check its source ({', '.join(map(str, backend.SOURCES))}) and, for a compiled "
                f"kernel, the flags in cython_cflags"
            )
    # Every call computes n / calls iterations (the blog: one call of F(n)). Without an independent
    # reference, the first entry point's untimed call sets the value every timed call must agree with.
    expected = reference(call_n) if reference else entry[modes[0]](call_n)
    prepare = getattr(backend, "prepare", None)
    if prepare is not None and plan.executor == "threads":  # each thread's buffers, made outside the timed region
        functions = [prepare(t, build_dir, call_n, i) for i, t in enumerate(plan.scenario.tokens)]
    else:
        functions = [entry[t] for t in plan.scenario.tokens]
    beat = plan.heartbeat and plan.executor == "threads"  # other processes do not share this GIL

    paired = (
        paired_module.PairedBaseline.of(plan.scenario)
        if plan.paired_baseline and plan.scenario.threads > 1 and plan.executor == "threads"
        else None
    )

    def one_thread_run(token: str, index: int) -> tuple[float, bool]:
        cpu = plan.thread_cpus()[index]  # thread ``index``'s call alone: its data, its CPU
        timing = run_threads([functions[index]], plan.n, [cpu], (token,), calls, expected, beat)
        record = timing["records"][0]
        return timing["wall_s"], record.value == expected and (record.calls is None or record.calls.wrong == 0)

    def timed_run() -> dict:
        if plan.executor == "processes":
            return run_processes(plan, build_dir, expected)
        timing = run_threads(functions, plan.n, plan.thread_cpus(), plan.scenario.tokens, calls, expected, beat)
        if paired is not None:  # under the same drift of the machine as the run just timed
            paired.time_after(one_thread_run, plan.scenario.tokens)
        return timing

    if plan.executor == "threads":
        # The first threads a process creates start 2-3x slower (measured: docs/calls.md, "Serialized
        # runs"); one untimed run of the whole scenario keeps that out of every timed run.
        run_threads(functions, warm_n * calls, plan.thread_cpus(), plan.scenario.tokens, calls, warm_expected, beat)
    # The quiet gate (rtg/trial/quiet.py): everything above (imports, loads, warm-up) is done, timing starts at calm.
    gate = quiet.wait_for_calm(plan.quiet_wait_limit_s if plan.remeasure else 0.0, judge_others=plan.isolated)
    machine_before, own_before = interference.cpu_times(), interference.own_cpu_s()
    timings = [timed_run()]
    planned = run_count(plan.inner_repetitions, timings[0]["wall_s"])
    for _ in range(planned - 1):
        timings.append(timed_run())
    runs = [run_record(i, t) for i, t in enumerate(timings, start=1)]
    again = None
    if plan.remeasure and undisturbed(runs) < planned:
        # Replace disturbed runs, after another look at the machine: at most ``planned`` new runs.
        again = quiet.wait_for_calm(plan.quiet_wait_limit_s, judge_others=plan.isolated)
        for _ in range(planned):
            if undisturbed(runs) >= planned:
                break
            timings.append(timed_run())
            runs.append(run_record(len(runs) + 1, timings[-1]))
    machine_after, own_after = interference.cpu_times(), interference.own_cpu_s()
    # Enough undisturbed runs: the statistics use only them, the others are set aside (kept in the record).
    # remeasure: false keeps every run as measured (raw numbers): the rule's verdict is recorded, nothing set aside.
    measured = undisturbed(runs) >= disturbance.enough_runs(planned)
    for run in runs:
        run["set_aside"] = bool(plan.remeasure and measured and run["disturbed"])
    for run, timing in zip(runs, timings, strict=True):
        run["correct"] = all(r.value == expected and (r.calls is None or r.calls.wrong == 0) for r in timing["records"])
    kept = [t for t, run in zip(timings, runs, strict=True) if not run["set_aside"]]
    walls = [t["wall_s"] for t in kept]
    # threads.csv shows the median kept run; a run with a wrong value takes its place, so that
    # check() and the integrity check name the thread that was wrong.
    shown = next((t for t, run in zip(timings, runs, strict=True) if not run["correct"]), None)
    records: list[ThreadRecord] = (shown or kept[median_run(walls)])["records"]
    gil = interpreters.gil_state(interpreters.GIL_ENABLED_AT_START)
    if plan.executor == "processes":  # the kernels ran in the workers: their GIL is the one that counts
        gil["gil_enabled"] = any(flag for t in timings for flag in t["worker_gil_enabled"])
        gil["gil_reenabled_by_import"] = gil["gil_disabled_build"] and gil["gil_enabled"]
    interp = metadata.interpreter()
    thread_rows = [
        {
            "index": r.index,
            "token": r.token,
            "cpu": r.cpu,
            "start_ns": r.start_ns,
            "end_ns": r.end_ns,
            "cpu_s": r.cpu_s,
            "value": str(r.value),
            "correct": r.value == expected and (r.calls is None or r.calls.wrong == 0),
            **(r.calls.summary() if r.calls else {"calls": calls}),
            **dict(zip(interference.THREAD_SIGNALS, r.signals(), strict=True)),
        }
        for r in records
    ]
    correct = all(run["correct"] for run in runs) and all(row["correct"] for row in thread_rows)
    correct = correct and (paired is None or all(r["correct"] for r in paired.runs))

    def median_of(key: str) -> float | None:
        values = [t[key] for t in kept if t.get(key) is not None and not math.isnan(t[key])]
        return float(statistics.median(values)) if values else None

    return {
        "schema_version": SCHEMA_VERSION,
        "backend": plan.backend,
        "executor": plan.executor,
        "interpreter": interpreters.label(interp),
        **plan.scenario.columns(),
        "tokens": list(plan.scenario.tokens),
        "n": plan.n,
        "rep": plan.rep,
        # The process's own value: the median over its runs (every run is in "runs").
        "wall_s": median_of("wall_s"),
        "cpu_s": median_of("cpu_s"),
        "cpu_user_s": median_of("cpu_user_s"),
        "cpu_sys_s": median_of("cpu_sys_s"),
        "started_at": timings[0]["started_at"],
        "ended_at": timings[-1]["ended_at"],
        "calls_per_thread": calls,
        "switch_interval_ms": plan.switch_interval_ms,
        "switch_interval_s": sys.getswitchinterval(),
        # Asked for; metadata "pinned" says whether it could be done (not with more threads than CPUs).
        "pin_threads": plan.pin_threads,
        # More worker threads than CPUs this trial could use (thread_counts with oversubscribe: true): the
        # threads shared CPUs, so the wall time says nothing of how the code scales.
        "usable_cpus": len(plan.cpus),
        "oversubscribed": plan.scenario.threads > len(plan.cpus),
        "heartbeat": beat,
        # Medians over the runs of each run's reading; None without the heartbeat (rtg/trial/heartbeat.py).
        **{key: median_of(key) for key in OBSERVED},
        "inner_repetitions": plan.inner_repetitions,
        "run_count": len(runs),
        "planned_runs": planned,
        "serialized_runs": sum(run["serialized"] for run in runs if not run["set_aside"]),
        "runs": runs,
        # Interference and its cure (rtg/trial/disturbance.py, docs/method.md "Interference").
        "remeasure": plan.remeasure,
        "disturbed": not measured,
        "quiet_gate": [g.as_record() for g in (gate, again) if g is not None],
        "interference": trial_interference(
            runs, planned, machine_before, machine_after, own_after - own_before, plan.isolated
        ),
        # One-thread runs timed between this trial's runs, and the ratio they give (rtg/trial/paired.py).
        "paired_baseline": paired.as_record(walls) if paired is not None else None,
        "expected": str(expected),
        # fibonacci (the built-in F(n) mod 2^64), reference (the kernel's own) or agreement (no reference).
        "check": check,
        "result": thread_rows[0]["value"],
        "correct": correct,
        "thread_records": thread_rows,
        "metadata": {
            **metadata.machine(),
            **interp,
            **gil,
            "loadavg_before": timings[0]["loadavg_before"],
            "loadavg_after": timings[-1]["loadavg_after"],
            "pinned": any(r.cpu is not None for r in records),
            "packages": {k: v for k, v in manifest.items() if k.endswith("_version")},
            "build_manifest_sha256": manifest_digest(manifest),
        },
    }


def run_processes(plan: TrialPlan, build_dir: Path, expected: int | None = None) -> dict:
    """The processes executor, returning what ``run_threads`` returns (plus the workers' GIL state)."""
    load_before = metadata.loadavg()
    machine_before = interference.cpu_times_at_most_every()
    started_at = time.time()
    run = executors.run_processes(
        plan.backend,
        build_dir,
        plan.scenario.tokens,
        plan.n,
        plan.thread_cpus(),
        calls=plan.calls_per_thread,
        expected=expected,
    )
    ended_at = time.time()
    machine_after = interference.cpu_times_at_most_every()
    load_after = metadata.loadavg()
    records = []
    for r in run.records:
        record = ThreadRecord(index=r["index"], token=r["token"], cpu=r["cpu"])
        record.start_ns, record.end_ns, record.cpu_s = r["start_ns"], r["end_ns"], r["cpu_s"]
        record.value = int(r["value"])
        record.run_delay_s, record.involuntary_switches = r.get("run_delay_s"), r.get("involuntary_switches")
        if r.get("calls"):  # the worker's call loop, as a CallLog summary would give it
            record.calls = SummaryLog(r["calls"])
        records.append(record)
    steal_during(records, machine_before, machine_after)
    return {
        "wall_s": run.wall_s,
        "cpu_s": run.cpu_s,
        "cpu_user_s": run.cpu_user_s,
        "cpu_sys_s": run.cpu_sys_s,
        "started_at": started_at,
        "ended_at": ended_at,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "records": records,
        "worker_gil_enabled": [r["gil_enabled"] for r in run.records],
    }


class SummaryLog(CallLog):
    """A call loop that ran in a worker process: only its summary came back."""

    def __init__(self, summary: dict) -> None:
        super().__init__(wrong=int(summary["wrong_calls"]))
        self._summary = dict(summary)

    def summary(self) -> dict:
        return dict(self._summary)


def check(result: dict) -> None:
    """Raise ``IncorrectResult`` with a readable message when any thread was wrong."""
    if result["correct"]:
        return
    wrong = [r for r in result["thread_records"] if not r["correct"]]
    details = ", ".join(f"thread {r['index']} ({r['token']}) returned {r['value']}" for r in wrong)
    calls = int(result.get("calls_per_thread", 1))
    how = result.get("check", "fibonacci")
    if how == "fibonacci":
        call = "F(n)" if calls == 1 else f"F(n/{calls}) = F({result['n'] // calls})"
        wanted = f"{call} mod 2^64"
    elif how == "reference":
        wanted = f"its reference({result['n'] // calls})"
    else:
        wanted = f"the value its first untimed call of n = {result['n'] // calls} agreed on"
    raise IncorrectResult(
        f"{result['backend']} {result['scenario']} n={result['n']} rep={result['rep']}: "
        f"expected {wanted} = {result['expected']}, but {details}. The kernel computes a wrong "
        f"value: check its source under kernels/ (your own kernel: in its kernel_paths folder) and the flags in "
        f"cython_cflags (e.g. no -ffast-math); "
        f"the whole record is in this trial's log"
    )


def run_trial_under(python: str, plan: TrialPlan, build_dir: Path, manifest_path: Path) -> dict:
    """``run_trial`` inside the interpreter ``python`` (a subprocess, argument list)."""
    import subprocess

    worker = Path(__file__).with_name("trial_worker.py")
    spec = {
        "backend": plan.backend,
        "scenario": plan.scenario.name,
        "n": plan.n,
        "rep": plan.rep,
        "pin_threads": plan.pin_threads,
        "executor": plan.executor,
        "inner_repetitions": plan.inner_repetitions,
        "calls_per_thread": plan.calls_per_thread,
        "switch_interval_ms": plan.switch_interval_ms,
        "heartbeat": plan.heartbeat,
        "remeasure": plan.remeasure,
        "quiet_wait_limit_s": plan.quiet_wait_limit_s,
        "isolated": plan.isolated,
        "paired_baseline": plan.paired_baseline,
    }
    done = subprocess.run(
        [python, str(worker), json.dumps(spec), str(build_dir), str(manifest_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"trial under interpreter {python} failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
