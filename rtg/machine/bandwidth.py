"""The machine's memory bandwidth: the ceiling a memory-bound kernel is measured against.

A kernel that declares ``BYTES_PER_ITERATION`` moves that much memory per loop
iteration; its bytes per second mean something only next to what the machine
can move at all. This measures it the way the kernels run: one and two
threads, each pinned to its own CPU with a buffer of its own that no cache
holds, in two patterns: "read" (``numpy.sum``: every byte read once, like a
streaming reduction) and STREAM's "copy" (``numpy.copyto``: read and write both
counted). Both release the GIL. Every result is checked (the sum against its
closed form, the copy against its source). One process, so the repeats are not
independent samples: the report gives the median as a calibration figure, like
the clock of the add chain, not as a measurement with a confidence interval.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Sequence

#: Bytes per thread: far beyond any last-level cache of this kind of machine (32 MiB).
SIZE_BYTES = 256 << 20
REPEATS = 7
METHOD = (
    "a 256 MiB buffer per thread, each thread pinned to its own CPU; read: numpy.sum (bytes read), "
    "copy: numpy.copyto (bytes read + written)"
)
PATTERNS = ("read", "copy")


def _run_once(work, buffers: Sequence, cpus: Sequence[int | None]) -> tuple[float, list]:
    """Seconds for every thread to run ``work`` on its own buffers, started together; and what each returned."""
    start = threading.Barrier(len(buffers) + 1)
    done: list[float] = []
    results: list = [None] * len(buffers)

    def thread_main(index: int, cpu: int | None) -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        start.wait()
        results[index] = work(*buffers[index])
        done.append(time.perf_counter())

    threads = [threading.Thread(target=thread_main, args=(i, cpu)) for i, cpu in enumerate(cpus)]
    for thread in threads:
        thread.start()
    start.wait()
    begin = time.perf_counter()
    for thread in threads:
        thread.join()
    return max(done) - begin, results


def rate(pattern: str, threads: int, cpus: Sequence[int] | None = None, size_bytes: int = SIZE_BYTES,
         repeats: int = REPEATS) -> dict:  # fmt: skip
    """Bytes per second that ``threads`` threads move together in ``pattern`` (median of ``repeats``)."""
    import numpy as np

    count = size_bytes // 8
    pinned = list(cpus or sorted(os.sched_getaffinity(0)))
    chosen: list[int | None] = pinned[:threads] if len(pinned) >= threads else [None] * threads
    # Written here: every page exists before it is timed. Thread i's values are i, i + 1, ..., i + count - 1.
    sources = [np.arange(i, i + count, dtype=np.uint64) for i in range(threads)]
    if pattern == "read":
        buffers = [(source,) for source in sources]
        work = np.sum  # uint64 sum wraps mod 2^64

        def expected(i: int) -> int:
            return (count * i + count * (count - 1) // 2) % (1 << 64)

        moved = threads * count * 8
    elif pattern == "copy":
        buffers = [(source, np.zeros_like(source)) for source in sources]

        def work(source, target) -> int:
            np.copyto(target, source)
            return int(target[-1])

        def expected(i: int) -> int:
            return i + count - 1

        moved = threads * 2 * count * 8
    else:
        raise ValueError(f"unknown pattern {pattern!r}; allowed: {', '.join(PATTERNS)}")
    _run_once(work, buffers, chosen)  # warm-up: faults in every page (the copy's destination too)
    seconds = []
    for _ in range(repeats):
        took, results = _run_once(work, buffers, chosen)
        wrong = [i for i, value in enumerate(results) if int(value) != expected(i)]
        if wrong:
            raise RuntimeError(f"{pattern} check failed in thread {wrong[0]}: the measured loop is wrong")
        seconds.append(took)
    if pattern == "copy" and not all(np.array_equal(s, t) for s, t in buffers):
        raise RuntimeError("copy check failed: a destination differs from its source")
    rates = [moved / s for s in seconds]
    return {
        "threads": threads,
        "cpus": [c for c in chosen if c is not None],
        "bytes_per_s": statistics.median(rates),
        "runs_bytes_per_s": rates,
    }


def measure(size_bytes: int = SIZE_BYTES, repeats: int = REPEATS) -> dict:
    """Read and copy bandwidth of one and (with two CPUs) two threads, with how it was measured."""
    cpus = sorted(os.sched_getaffinity(0))
    result: dict = {"method": METHOD, "size_bytes": size_bytes, "repeats": repeats, "logical_cpus": len(cpus)}
    for pattern in PATTERNS:
        result[pattern] = {"one_thread": rate(pattern, 1, cpus, size_bytes, repeats)}
        if len(cpus) >= 2:
            result[pattern]["two_threads"] = rate(pattern, 2, cpus, size_bytes, repeats)
    return result
