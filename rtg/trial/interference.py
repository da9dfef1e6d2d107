"""Signals of interference, read around each timed run at a cost of microseconds.

Three things take a CPU away from a worker thread, and each leaves its own trace
(measured on this project's 2-vCPU VMs: shared/notes/interference-facts.md):

- **Other runnable tasks** on its CPU (other programs, the pipeline's own jobs):
  the kernel counts the time a thread was runnable but kept off its CPU as its
  *run delay* (``/proc/thread-self/schedstat``, 2nd field, ns). A thread waiting
  for the GIL sleeps, so run delay never counts a GIL wait.
- **The hypervisor** runs another guest on the physical core: the guest's CPU
  accrues *steal* (``/proc/stat``, 8th field of the ``cpuN`` lines, in ticks of
  ``1 / SC_CLK_TCK`` s). The thread's CPU time excludes it, its wall time does not.
- **Preemption** in general: involuntary context switches (``getrusage(RUSAGE_THREAD)``).
  They happen on a quiet machine too (tens per 50 runs here), so they are
  recorded, not judged.

A new thread starts with its run delay and switch counts at zero, so one
reading at the end of the worker gives the whole run, with nothing read in
between its start and its call. Machine-wide counters (steal and busy time per
CPU) are read by the main thread just outside the timed region.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass

#: Seconds per tick of /proc/stat (USER_HZ, 100 on Linux).
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01
#: Fields of a /proc/stat cpu line, after the name: user nice system idle iowait irq softirq steal guest guest_nice.
_BUSY_FIELDS = (0, 1, 2, 5, 6)  # user, nice, system, irq, softirq (guest time is inside user)
_STEAL_FIELD = 7
#: Per worker thread and run: what ``thread_signals`` returns, in this order (the records store lists).
THREAD_SIGNALS = ("run_delay_s", "steal_s", "involuntary_switches")


def thread_counters() -> tuple[float | None, int | None]:
    """The calling thread's run delay (s) and involuntary switches since it was created.

    None where the kernel does not say (no ``/proc/thread-self/schedstat``, not Linux).
    """
    try:
        # os.open/os.read, not open(): no buffered file object inside the timed region (3 µs, not 10).
        fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        try:
            run_delay = int(os.read(fd, 128).split()[1]) / 1e9
        finally:
            os.close(fd)
    except (OSError, IndexError, ValueError):
        run_delay = None
    try:
        switches = resource.getrusage(resource.RUSAGE_THREAD).ru_nivcsw  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        switches = None
    return run_delay, switches


@dataclass(frozen=True)
class CpuTimes:
    """One reading of /proc/stat: busy and stolen ticks of each CPU."""

    busy: dict[int, int]
    steal: dict[int, int]

    def __sub__(self, earlier: CpuTimes) -> CpuTimes:
        return CpuTimes(
            busy={cpu: ticks - earlier.busy.get(cpu, ticks) for cpu, ticks in self.busy.items()},
            steal={cpu: ticks - earlier.steal.get(cpu, ticks) for cpu, ticks in self.steal.items()},
        )

    def steal_s(self, cpus: set[int] | None = None) -> float:
        """Stolen seconds summed over ``cpus`` (all CPUs when None)."""
        return TICK_S * sum(t for cpu, t in self.steal.items() if cpus is None or cpu in cpus)

    def busy_s(self, cpus: set[int] | None = None) -> float:
        """Seconds the CPUs ran tasks (user, nice, system, irq, softirq), summed over ``cpus``."""
        return TICK_S * sum(t for cpu, t in self.busy.items() if cpus is None or cpu in cpus)


def cpu_times() -> CpuTimes | None:
    """Read /proc/stat's per-CPU lines; None where there is no /proc/stat."""
    busy: dict[int, int] = {}
    steal: dict[int, int] = {}
    try:
        with open("/proc/stat", "rb") as handle:
            for line in handle:
                if not line.startswith(b"cpu"):
                    break  # the cpu lines come first
                name, *fields = line.split()
                if name == b"cpu":
                    continue
                values = [int(v) for v in fields]
                cpu = int(name[3:])
                busy[cpu] = sum(values[i] for i in _BUSY_FIELDS)
                steal[cpu] = values[_STEAL_FIELD] if len(values) > _STEAL_FIELD else 0
    except (OSError, ValueError):
        return None
    return CpuTimes(busy=busy, steal=steal)


_LAST: list[tuple[float, CpuTimes | None]] = []


def cpu_times_at_most_every(interval_s: float = TICK_S) -> CpuTimes | None:
    """``cpu_times()``, but read again only when the last reading is older than ``interval_s``.

    /proc/stat moves in 10 ms ticks and costs about 25 µs to read (the kernel writes every
    interrupt count with it). Runs of a sub-millisecond call come 100 to a trial, so reading it
    twice per run cost 5 % of the timed work; a reading at most every tick sees the same
    ticks, each charged to the run whose end read it.
    """
    now = time.monotonic()
    if _LAST and now - _LAST[0][0] < interval_s:
        return _LAST[0][1]
    reading = cpu_times()
    _LAST[:] = [(now, reading)]
    return reading


def own_cpu_s() -> float:
    """CPU seconds of this process and its reaped children (a trial's own work)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def thread_steal_s(delta: CpuTimes | None, cpu: int | None, allowed: set[int], span_s: float) -> float | None:
    """Steal a worker could have suffered during its run: on its CPU when pinned, else the mean over ``allowed``.

    /proc/stat counts in 10 ms ticks, so the value is capped at the thread's span:
    a tick that ends inside a short run says steal happened, not that all 10 ms fell in it.
    """
    if delta is None:
        return None
    stolen = delta.steal_s({cpu}) if cpu is not None else delta.steal_s(allowed) / max(1, len(allowed))
    return min(stolen, max(span_s, 0.0))
