"""Child side of the ``processes`` executor: one fresh interpreter, one kernel call.

Run as ``python rtg/trial/process_worker.py BACKEND BUILD_DIR MODE N [CPU]`` (a script path,
not ``-m``, so it needs no PYTHONPATH and never re-runs the parent's
``__main__`` the way multiprocessing's spawn does with Snakemake scripts).
Prints one JSON line: the kernel's start/end on ``time.perf_counter_ns``
(CLOCK_MONOTONIC on Linux, so comparable with the parent's clock), its CPU
time, value and the CPU it was pinned to.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def run(
    backend: str, build_dir: str, mode: str, n: int, cpu: int | None, calls: int = 1, expected: int | None = None
) -> dict:
    """Load the entry point (start-up cost the parent sees), then time one call (or ``calls`` of n / calls).

    A kernel with ``prepare`` (kernels/__init__.py) gets its buffers here too, before the kernel's span.
    """
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    gil_at_start = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    import kernels

    module = kernels.load(backend)
    fib = module.entry_point(mode, Path(build_dir))
    if getattr(module, "prepare", None) is not None:
        fib = module.prepare(mode, Path(build_dir), n // calls, 0)
    fib(2)  # Numba loads its cached machine code on the first call: keep that out of the kernel's span
    from rtg.trial import interference

    # Read before the call too: the process's counters run from its spawn, its start-up is not the call's.
    delay0, switches0 = interference.thread_counters()
    ready_ns = time.perf_counter_ns()
    cpu0 = time.thread_time()
    start_ns = time.perf_counter_ns()
    log = None
    if calls == 1:
        value = fib(n)
    else:
        from rtg.trial.calls import CallLog, call_loop

        if expected is None:
            expected = kernels.reference_of(backend)(n // calls)
        log = CallLog()
        value = call_loop(fib, n, calls, expected, log)
    end_ns = time.perf_counter_ns()
    cpu_s = time.thread_time() - cpu0
    delay1, switches1 = interference.thread_counters()
    run_delay_s = delay1 - delay0 if delay0 is not None and delay1 is not None else None
    switches = switches1 - switches0 if switches0 is not None and switches1 is not None else None
    return {
        "pid": os.getpid(),
        "ready_ns": ready_ns,
        "start_ns": start_ns,
        "end_ns": end_ns,
        "cpu_s": cpu_s,
        "value": str(value),
        "calls": log.summary() if log else None,
        "cpu": cpu,
        "run_delay_s": run_delay_s,
        "involuntary_switches": switches,
        "gil_enabled_at_start": gil_at_start,
        "gil_enabled": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True,
    }


def main(argv: list[str]) -> None:
    backend, build_dir, mode, n = argv[:4]
    cpu = int(argv[4]) if len(argv) > 4 and argv[4] != "" else None
    calls = int(argv[5]) if len(argv) > 5 else 1
    expected = int(argv[6]) if len(argv) > 6 else None
    print(json.dumps(run(backend, build_dir, mode, int(n), cpu, calls, expected)), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main(sys.argv[1:])
