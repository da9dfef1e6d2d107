"""The quiet gate: before timing, wait until the machine is calm, up to a bound.

A trial that starts in the middle of a steal episode or beside a busy program
gets disturbed runs that must be replaced (rtg/trial/disturbance.py); a short
look at the machine first is cheaper. The gate samples /proc/stat over windows
of ``WINDOW_S``: the share of the machine's CPU time the hypervisor stole,
and the share other processes used (every CPU's busy time minus this
process's own). It returns at the first calm window, or when ``limit_s`` has
passed, and says what it saw and how long it waited.

Other processes are not judged when trials share the machine on purpose
(``isolate_trials: false``): the pipeline's own jobs are busy then, and the
gate would always wait its whole bound.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass

from rtg.trial import interference

#: One look at the machine lasts this long: 20 ticks of /proc/stat on 2 CPUs.
WINDOW_S = 0.1
#: Calm: the hypervisor stole at most this share of the CPUs' time in the window ...
MAX_STEAL_SHARE = 0.05
#: ... and other processes used at most this share of it.
MAX_OTHERS_SHARE = 0.10


@dataclass
class GateResult:
    """What the gate saw; stored in the trial record under ``quiet_gate``."""

    waited_s: float
    windows: int
    calm: bool
    #: Over the last window, as shares of all CPUs' time (None without /proc/stat).
    steal_share: float | None
    others_share: float | None
    #: Over the whole wait, in CPU seconds.
    steal_s: float
    others_cpu_s: float
    judged_others: bool

    def as_record(self) -> dict:
        return asdict(self)


def wait_for_calm(limit_s: float, judge_others: bool = True, window_s: float = WINDOW_S) -> GateResult:
    """Look at the machine in windows until one is calm or ``limit_s`` has passed (``limit_s`` 0: no gate)."""
    if limit_s <= 0:
        return GateResult(0.0, 0, True, None, None, 0.0, 0.0, judge_others)
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    start = time.monotonic()
    first = interference.cpu_times()
    if first is None:  # nothing to judge by: do not wait
        return GateResult(0.0, 0, True, None, None, 0.0, 0.0, judge_others)
    own_first = interference.own_cpu_s()
    before, own_before = first, own_first
    windows = 0
    while True:
        time.sleep(window_s)
        now = interference.cpu_times() or before
        own_now = interference.own_cpu_s()
        windows += 1
        delta = now - before
        capacity = window_s * max(1, len(cpus) if cpus else len(delta.busy))
        steal_share = delta.steal_s(cpus) / capacity
        others_share = max(0.0, delta.busy_s(cpus) - (own_now - own_before)) / capacity
        calm = steal_share <= MAX_STEAL_SHARE and (not judge_others or others_share <= MAX_OTHERS_SHARE)
        waited = time.monotonic() - start
        if calm or waited >= limit_s:
            total = now - first
            return GateResult(
                waited_s=waited,
                windows=windows,
                calm=calm,
                steal_share=steal_share,
                others_share=others_share,
                steal_s=total.steal_s(cpus),
                others_cpu_s=max(0.0, total.busy_s(cpus) - (own_now - own_first)),
                judged_others=judge_others,
            )
        before, own_before = now, own_now
