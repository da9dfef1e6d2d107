"""What bounds a kernel: bytes per second of a memory-bound kernel against the machine's copy bandwidth.

Two threads that stream through memory share its bandwidth, so releasing the
GIL buys them less than 2×: how much less follows from how much of the
bandwidth one thread already used. A kernel declares its traffic per iteration
(``BYTES_PER_ITERATION``); the bandwidth comes from rtg/machine/bandwidth.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from rtg.analysis import stats

#: Built-in backends whose loop lives in registers (the blog's Fibonacci), to compare with.
REGISTER_BOUND = ("cython", "numba", "ctypes")


def _cell(rows: pd.DataFrame, scenario: str) -> pd.Series | None:
    hit = rows[rows["scenario"] == scenario]
    return hit.iloc[0] if len(hit) else None


def register_bound_ratio(summary: pd.DataFrame, interpreter: str | None = None) -> pd.Series | None:
    """nogil+nogil ÷ one call of the first register-bound built-in backend in the grid, at its largest n."""
    cells = stats.blog_setting(summary)
    if interpreter is not None and "interpreter" in cells.columns:
        cells = cells[cells["interpreter"] == interpreter]
    for backend in REGISTER_BOUND:
        mine = cells[cells["backend"] == backend]
        if len(mine):
            return _cell(mine[mine["n"] == mine["n"].max()], "nogil+nogil")
    return None


def memory_table(summary: pd.DataFrame, facts: Mapping[str, Mapping], bandwidth: Mapping | None) -> pd.DataFrame:
    """One row per memory-bound backend (and interpreter) at its largest n: bytes per second and their share.

    One thread: the single ``nogil`` call (``gil`` where there is none); two
    threads move twice the bytes in the ``nogil+nogil`` wall time.
    ``used_by_one`` is one thread's rate over what two threads of the machine
    move in the kernel's pattern (``memory_traffic``: read or copy; see
    rtg/machine/bandwidth.py): near 1, a second thread has nothing left to use.
    """
    cells = stats.blog_setting(summary)
    rows = []
    keys = ["backend", "interpreter"] if "interpreter" in cells.columns else ["backend"]
    for key, mine in cells.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        backend = key[0]
        fact = facts.get(backend) or {}
        per_iteration = fact.get("bytes_per_iteration")
        if not per_iteration:
            continue
        traffic = fact.get("memory_traffic", "read")
        ceiling = (bandwidth or {}).get(traffic, {})
        machine_one = ceiling.get("one_thread", {}).get("bytes_per_s", math.nan)
        machine_two = ceiling.get("two_threads", {}).get("bytes_per_s", math.nan)
        mine = mine[mine["n"] == mine["n"].max()]
        one = _cell(mine, "nogil") if _cell(mine, "nogil") is not None else _cell(mine, "gil")
        two = _cell(mine, "nogil+nogil")
        n = int(mine["n"].iloc[0])
        one_rate = n * per_iteration / one["wall_median"] if one is not None else math.nan
        two_rate = 2 * n * per_iteration / two["wall_median"] if two is not None else math.nan
        interpreter = key[1] if len(key) > 1 else None
        fib = register_bound_ratio(summary, interpreter)
        rows.append(
            {
                "backend": backend,
                "interpreter": interpreter,
                "n": n,
                "bytes_per_iteration": per_iteration,
                "one_thread_bytes_per_s": one_rate,
                "two_threads_bytes_per_s": two_rate,
                "ratio": two["ratio"] if two is not None else math.nan,
                "ratio_ci_low": two["ratio_ci_low"] if two is not None else math.nan,
                "ratio_ci_high": two["ratio_ci_high"] if two is not None else math.nan,
                "memory_traffic": traffic,
                "machine_one_bytes_per_s": machine_one,
                "machine_two_bytes_per_s": machine_two,
                "used_by_one": one_rate / machine_two if not math.isnan(machine_two) else math.nan,
                "register_bound_backend": fib["backend"] if fib is not None else None,
                "register_bound_ratio": fib["ratio"] if fib is not None else math.nan,
                "register_bound_ci_low": fib["ratio_ci_low"] if fib is not None else math.nan,
                "register_bound_ci_high": fib["ratio_ci_high"] if fib is not None else math.nan,
            }
        )
    return pd.DataFrame(rows)
