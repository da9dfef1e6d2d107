"""Cycles per loop iteration: is a kernel at the hardware limit?

A comparison of GIL modes only means something if every copy of the loop runs
at the same speed; a copy that runs at 2 cycles/iteration because the compiler
placed it badly (the "-O3 misaligned loop" artifact) would look like a GIL
effect. The clock comes from rtg/machine/calibration.py; cycles/iteration =
(single-thread time / (n - 2)) x clock, judged on each grid point's fastest
trial by CPU time where the timings carry it (interference only adds time, and
a single-thread trial's CPU time excludes the time it was descheduled).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

import kernels

#: Above this a native kernel is not at the hardware limit (measured: 1.00 for
#: Numba and unrolled Cython/C; 2.1 for the misaligned -O3 copy).
THRESHOLD = 1.10
#: Below this n, thread start/join (tens of microseconds) is a visible share of
#: the wall time, so cycles/iteration overstates the loop's cost: not flagged.
MIN_FLAG_N = 10_000_000


def cycles_per_iteration(timings: pd.DataFrame, clock_hz: float) -> pd.DataFrame:
    """Cycles per loop iteration of every single-thread grid point (backend x scenario x n, and axes).

    ``timings`` needs the columns of timings.csv ``backend, scenario, threads, n,
    wall_s``; with ``cpu_s`` it adds ``cycles_per_iteration_cpu`` (fastest trial
    by CPU time: immune to time-slicing by other processes), with
    ``loadavg_before`` the highest 1-minute load seen. A trial of n runs n - 2
    iterations; multi-thread scenarios are left out (their wall time measures
    the GIL, not the loop).
    """
    keys = [c for c in ("backend", "executor", "interpreter", "scenario", "n") if c in timings]
    columns = [
        *keys,
        "trials",
        "wall_s_min",
        "wall_s_median",
        "ns_per_iteration",
        "cycles_per_iteration",
        "cycles_per_iteration_median",
        "cycles_per_iteration_cpu",
        "loadavg_max",
    ]
    if clock_hz <= 0:
        raise ValueError(f"clock_hz must be positive, got {clock_hz}")
    single = timings[(timings["threads"] == 1) & (timings["n"] > 2)]
    if single.empty:
        return pd.DataFrame(columns=columns)
    single = single.assign(
        cpu_s=single["cpu_s"] if "cpu_s" in single else float("nan"),
        loadavg_before=single["loadavg_before"] if "loadavg_before" in single else float("nan"),
    )
    grouped = single.groupby(keys, sort=True, dropna=False)
    table = grouped.agg(
        trials=("wall_s", "count"),
        wall_s_min=("wall_s", "min"),
        wall_s_median=("wall_s", "median"),
        cpu_s_min=("cpu_s", "min"),
        loadavg_max=("loadavg_before", "max"),
    ).reset_index()
    iterations = table["n"] - 2
    table["ns_per_iteration"] = table["wall_s_min"] / iterations * 1e9
    table["cycles_per_iteration"] = table["wall_s_min"] / iterations * clock_hz
    table["cycles_per_iteration_median"] = table["wall_s_median"] / iterations * clock_hz
    table["cycles_per_iteration_cpu"] = table["cpu_s_min"] / iterations * clock_hz
    return table[columns]


def native_backends(facts: Mapping[str, Mapping]) -> list[str]:
    """The backends held to the hardware limit: built-in loops that are native code (``kernels.facts`` per backend).

    Only the built-in loops have a known limit (the blog's loop: 1 cycle per
    iteration); a loop that runs in the interpreter (``NATIVE = False``) is never near it.
    """
    return [backend for backend, fact in facts.items() if fact["builtin"] and kernels.stated(backend).native]


def flag_slow(
    timings: pd.DataFrame,
    clock_hz: float,
    threshold: float = THRESHOLD,
    native: set[str] | None = None,
    min_n: int = MIN_FLAG_N,
) -> pd.DataFrame:
    """Cycles/iteration table with a ``flagged`` column: native kernels above ``threshold``.

    Judged on the fastest trial of each grid point (interference only adds
    time), by CPU time where the timings have it, else by wall time. ``native``
    defaults to every backend whose kernel states it is native code
    (``kernels.stated``); grid points with n below ``min_n`` are never flagged
    (start-up dominates them).
    """
    table = cycles_per_iteration(timings, clock_hz)
    if native is None:
        native = {backend for backend in table["backend"].unique() if kernels.stated(backend).native}
    is_native = table["backend"].isin(native)
    judged = table["cycles_per_iteration_cpu"].fillna(table["cycles_per_iteration"])
    table["native"] = is_native
    table["flagged"] = is_native & (table["n"] >= min_n) & (judged > threshold)
    return table


def describe_flags(table: pd.DataFrame, threshold: float = THRESHOLD) -> list[str]:
    """One sentence per flagged row, for logs and the report."""
    return [
        f"{row.backend} {row.scenario} n={row.n}: {_judged(row):.2f} cycles/iteration "
        f"(> {threshold:.2f}: not at the hardware limit; check build flags and loop alignment)"
        for row in table[table["flagged"]].itertuples()
    ]


def _judged(row) -> float:
    """The cycles/iteration the flag used for one row (CPU-time based when available)."""
    cpu = row.cycles_per_iteration_cpu
    return row.cycles_per_iteration if cpu != cpu else cpu  # NaN check without numpy
