"""The one rule for a disturbed run, and the cause it is charged to.

A run is **disturbed** when any of its worker threads was kept off its CPU
(run delay plus steal on its CPU, rtg/trial/interference.py) for more than
``MAX_OFF_SHARE`` of its own span *and* more than ``MIN_OFF_S``. The share
makes the rule scale with the call and with the verdicts: the blog's bands
are 1.8-2.2x and below 1.15x, so a worker that lost less than 5 % of its call
cannot move a cell across one, while another process sharing its CPU (half
of it) or one 10 ms tick of steal in a 36 ms call (n = 1e8 here) always does.
The share is not smaller because a two-thread trial on a 2-CPU machine leaves
no CPU free: every wake-up of anything else (the scheduler of Snakemake, an
editor, the kernel's own threads) then delays a worker by about 1 ms, and at
2 % of a 36 ms call, half the runs of such cells were set aside on a machine
with nothing else to do. The absolute floor keeps the scheduling noise of
sub-millisecond calls from counting: quiet, 0-4 of 50 runs here were delayed
by more than 0.1 ms; with a busy process on the same CPU 27-37 of 50, by
about 2.3 ms each (shared/notes/interference-facts.md).

GIL waits never count: a thread waiting for the GIL sleeps, and sleeping is
neither run delay nor steal. So the rule judges the machine, not the effect
under study.

The **cause** of a disturbance is the larger of its two parts: steal is the
hypervisor's (another guest on the same physical core; a rerun on this VM may
meet it again), run delay is other runnable tasks on the CPU: other programs,
or the pipeline's own jobs when trials share the machine (``isolate_trials:
false``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: A worker kept off its CPU for more than this share of its span ...
MAX_OFF_SHARE = 0.05
#: ... and for more than this many seconds disturbs its run.
MIN_OFF_S = 0.0005

STEAL = "hypervisor steal"
OTHERS = "other programs"
OWN_JOBS = "the pipeline's own jobs"
CAUSES = (STEAL, OTHERS, OWN_JOBS)


def _number(value: float | None) -> float:
    return 0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def off_cpu_s(run_delay_s: float | None, steal_s: float | None) -> float:
    """Time a worker was kept off its CPU: run delay (other tasks) plus steal (the hypervisor)."""
    return _number(run_delay_s) + _number(steal_s)


def thread_disturbed(span_s: float, run_delay_s: float | None, steal_s: float | None) -> bool:
    """The rule, for one worker thread of one run."""
    off = off_cpu_s(run_delay_s, steal_s)
    return off > MIN_OFF_S and off > MAX_OFF_SHARE * max(span_s, 0.0)


def run_disturbed(threads: Sequence[Sequence[float]], signals: Sequence[Sequence[float | None]] | None) -> bool:
    """A run is disturbed when any worker is: ``threads`` [start_ns, end_ns, cpu_s], ``signals`` [delay, steal, …]."""
    if not signals:
        return False
    return any(
        thread_disturbed((end - start) / 1e9, signal[0], signal[1])
        for (start, end, *_), signal in zip(threads, signals, strict=True)
    )


def cause(steal_s: float, run_delay_s: float, isolated: bool = True) -> str | None:
    """What took the CPU: steal against run delay (other tasks); None when neither took any."""
    steal_s, run_delay_s = _number(steal_s), _number(run_delay_s)
    if steal_s <= 0 and run_delay_s <= 0:
        return None
    if steal_s >= run_delay_s:
        return STEAL
    return OTHERS if isolated else OWN_JOBS


def enough_runs(planned: int) -> int:
    """Undisturbed runs a trial needs to count as measured: half its planned runs, at least one."""
    return max(1, math.ceil(planned / 2))
