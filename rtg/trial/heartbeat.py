"""How long the program's other Python threads could not run during the timed region.

A kernel that holds the GIL stalls every other Python thread of the program:
an event loop, a GUI, request handlers. The heartbeat is such a thread: it
sleeps 1 ms in a loop and notes each wake-up; a gap much longer than 1 ms is
time it could not run (a *stall*). gilknocker (the package dask.distributed's
GIL monitor uses) gives a second, independent reading: a native thread tries
to take the GIL every 0.2 ms and reports the share of time it was held
by someone else. Both start before the timed region and stop after it, so
their own start-up is never timed.
"""

from __future__ import annotations

import math
import sysconfig
import threading
import time

#: The heartbeat's sleep between wake-ups (seconds).
PERIOD_S = 0.001
#: gilknocker: try to take the GIL every KNOCK_US microseconds, report over SAMPLE_US windows.
KNOCK_US = 200
SAMPLE_US = 1000


class Heartbeat:
    """A Python thread that sleeps ``PERIOD_S`` in a loop and records when it woke."""

    def __init__(self) -> None:
        self.wakes_ns: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._knocker = None

    def _beat(self) -> None:
        clock, sleep, wakes, stop = time.perf_counter_ns, time.sleep, self.wakes_ns, self._stop
        wakes.append(clock())
        while not stop.is_set():
            sleep(PERIOD_S)
            wakes.append(clock())

    def start(self) -> None:
        try:
            from gilknocker import KnockKnock  # only trials with the heartbeat on load it
        except ImportError:
            if not free_threaded_build():
                raise
            # A free-threaded build: gilknocker has no wheel for it (preflight does not ask for it there), and
            # without a GIL there is nothing to knock on; the heartbeat alone says whether threads could run.
            self._thread.start()
            return

        # Knock every 0.2 ms and report over 1 ms windows: gilknocker's defaults average over
        # windows longer than a short timed region, which then reads 0 whatever happened.
        self._knocker = KnockKnock(
            polling_interval_micros=KNOCK_US, sampling_interval_micros=SAMPLE_US, sleeping_interval_micros=KNOCK_US
        )
        self._knocker.start()
        self._thread.start()

    def stop(self) -> float | None:
        """Stop both readings; return gilknocker's contention metric (0 to 1; None without gilknocker)."""
        self._stop.set()
        self._thread.join()
        if self._knocker is None:
            return None
        self._knocker.stop()
        return float(self._knocker.contention_metric)


#: Config ``heartbeat``: True (every trial), False (none), or only where the workers leave a CPU free.
SPARE_CPU = "spare_cpu"


def runs_beside(setting: bool | str, threads: int, cpus: int) -> bool:
    """Whether the heartbeat runs in a trial of ``threads`` workers on ``cpus`` usable CPUs.

    ``spare_cpu``: only with a CPU free for it. Where the workers take every CPU, a thread that wakes
    1000 times a second takes its time from them (4-11 % of a two-thread cell's wall time on 2 CPUs),
    and the cell would no longer say what the call does alone: the GIL map measures the stall share
    beside one call and the pair's ratio without it.
    """
    if setting == SPARE_CPU:
        return threads < cpus
    return bool(setting)


def cpus_to_ask(setting: bool | str, threads: int, usable: int | None) -> int:
    """The CPUs a trial job asks the scheduler for: one per worker thread, and one more for the heartbeat under
    ``spare_cpu`` when that still fits the CPUs a trial may use (``usable``; None: unknown, ask for none more).

    On Slurm a job's CPUs are all it may use, so without the extra CPU ``spare_cpu`` would never find one free.
    """
    if setting == SPARE_CPU and usable is not None and threads + 1 <= usable:
        return threads + 1
    return threads


def free_threaded_build() -> bool:
    """Whether this interpreter was built without the GIL (3.13t, 3.14t, ...)."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def needs_gilknocker(info: dict) -> bool:
    """Whether an interpreter (its probe, rtg/build/interpreters.py) needs gilknocker for the heartbeat:
    not a free-threaded build, which has no GIL to knock on."""
    return not info.get("gil_disabled_build", False)


def stalls(wakes_ns: list[int], start_ns: int, end_ns: int) -> dict[str, float]:
    """Longest and 99th-percentile stall (gap between wake-ups minus the 1 ms sleep) overlapping [start, end],
    and the stall share: the part of [start, end] that lay in stalls, the time other Python threads
    could not run (near 0 beside a call that releases the GIL, near 1 beside one that holds it)."""
    period = PERIOD_S * 1e9
    gaps = [(a, b) for a, b in zip(wakes_ns, wakes_ns[1:], strict=False) if b > start_ns and a < end_ns]
    found = [max(0.0, (b - a) - period) / 1e9 for a, b in gaps]
    if not found or end_ns <= start_ns:
        return {"heartbeat_max_stall_s": math.nan, "heartbeat_p99_stall_s": math.nan, "heartbeat_stall_share": math.nan}
    ordered = sorted(found)
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    # The stalled part of each gap (all but its last 1 ms, the sleep itself), clipped to [start, end].
    stalled = sum(max(0, min(b - period, end_ns) - max(a, start_ns)) for a, b in gaps)
    share = min(1.0, stalled / (end_ns - start_ns))
    return {"heartbeat_max_stall_s": ordered[-1], "heartbeat_p99_stall_s": p99, "heartbeat_stall_share": share}
