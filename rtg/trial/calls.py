"""Many short calls from a Python loop: the call pattern of real code.

The blog times one long call per thread. Real code calls a GIL-releasing
function many times from a Python ``for`` loop (chunked work, NumPy
operations, I/O). Between two calls the thread runs Python, so it must take
the GIL back after every call: next to a GIL-holding thread it gets it only
at the switch interval (the convoy effect). :func:`call_loop` makes the k
calls of n/k iterations each, checks every value and keeps the timestamps, so
the trial can tell how long a thread waited between its calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class CallLog:
    """What one thread's k calls did: the clock before and after each call, and wrong values."""

    starts_ns: list[int] = field(default_factory=list)
    stops_ns: list[int] = field(default_factory=list)
    wrong: int = 0
    last_value: int | None = None

    def summary(self) -> dict[str, float | int]:
        """calls, wrong values, the longest gap between calls, the longest and median call, the longest wait.

        ``max_gap_s``: between one call's return and the next call's start (the
        Python loop; a GIL-holding thread can lose the GIL here).
        ``max_wait_s``: the longest call minus the thread's median call. A
        releasing kernel takes the GIL back *inside* the call, before it
        returns, so that is where waiting for the GIL shows.
        """
        calls = len(self.starts_ns)
        gaps = [self.starts_ns[i + 1] - self.stops_ns[i] for i in range(calls - 1)]
        lengths = sorted(stop - start for start, stop in zip(self.starts_ns, self.stops_ns, strict=True))
        return {
            "calls": calls,
            "wrong_calls": self.wrong,
            "max_gap_s": (max(gaps) / 1e9) if gaps else 0.0,
            "max_call_s": (lengths[-1] / 1e9) if lengths else 0.0,
            "median_call_s": (lengths[(calls - 1) // 2] / 1e9) if lengths else 0.0,
            "max_wait_s": ((lengths[-1] - lengths[(calls - 1) // 2]) / 1e9) if lengths else 0.0,
        }


def call_loop(fn: Callable[[int], int], n: int, calls: int, expected: int, log: CallLog) -> int:
    """Call ``fn(n // calls)`` ``calls`` times from a plain Python loop; every value is checked.

    The loop does what a user's loop does and little more: two clock reads
    (``perf_counter_ns``, a vDSO call of about 20 ns) and one comparison per
    call. Returns the last value (each call computes the same F(n/k)).
    """
    m = n // calls
    clock = time.perf_counter_ns
    starts, stops = log.starts_ns, log.stops_ns
    wrong = 0
    value = None
    for _ in range(calls):
        starts.append(clock())
        value = fn(m)
        stops.append(clock())
        if value != expected:
            wrong += 1
    log.wrong = wrong
    log.last_value = value
    return value
