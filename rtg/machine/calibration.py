"""Clock calibration and cycles per loop iteration: is a kernel at the hardware limit?

A comparison of GIL modes only means something if every copy of the loop runs
at the same speed; a copy that runs at 2 cycles/iteration because the compiler
placed it badly (the "-O3 misaligned loop" artifact) would look like a GIL
effect. Hardware counters are unavailable on the VMs this runs on, so the clock
is measured instead: ``rtg/machine/add_chain.c`` runs a chain of dependent integer
adds (1 cycle each), and cycles/iteration = (single-thread wall / (n - 2)) x clock.

Interference from other processes only ever adds time, so the clock comes from
the fastest of several samples. On a shared machine the scheduler time-slices
a core between processes (measured here: wall-clock samples of the same chain
and loop swing by 2x within a minute, while their thread CPU time stays put),
so the clock is computed from the thread's CPU time, and the flag judges each
grid point by its fastest trial in CPU time (``cpu_s``) when timings carry it:
a single-thread trial's CPU time excludes the time it was descheduled.
"""

from __future__ import annotations

import ctypes
import os
import statistics
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import kernels
from kernels import _toolchain
from rtg.trial import metadata

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 1
SOURCE = Path(__file__).with_name("add_chain.c")
#: Fixed flags: the chain must compile to one register add per step whatever the
#: user's cython_cflags are (-O0 would add a store/load to every add).
CFLAGS = ["-O2"]
MASK64 = (1 << 64) - 1
#: Above this a native kernel is not at the hardware limit (measured: 1.00 for
#: Numba and unrolled Cython/C; 2.1 for the misaligned -O3 copy).
THRESHOLD = 1.10
#: Below this n, thread start/join (tens of microseconds) is a visible share of
#: the wall time, so cycles/iteration overstates the loop's cost: not flagged.
MIN_FLAG_N = 10_000_000


def build(output: Path, source: Path = SOURCE) -> dict:
    """Compile the add chain into the shared library ``output``; return a manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    command = _toolchain.compile_shared([Path(source)], output, CFLAGS, [])
    cc = _toolchain.c_compiler()
    return {
        "source": Path(source).name,
        "source_sha256": _toolchain.sha256_of(Path(source)),
        "compiler": " ".join(cc),
        "compiler_version": _toolchain.compiler_version(cc),
        "cflags": list(CFLAGS),
        "command": command,
        "artifact": output.name,
        "artifact_sha256": _toolchain.sha256_of(output),
    }


class AddChain:
    """The compiled chain, loaded with ctypes (no Python in the timed call)."""

    def __init__(self, library: Path):
        self._lib = ctypes.CDLL(str(Path(library).resolve()))
        self._fn = self._lib.rtg_add_chain
        self._fn.argtypes = [ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64]
        self._fn.restype = ctypes.c_uint64
        self.adds_per_block = ctypes.c_uint64.in_dll(self._lib, "rtg_adds_per_block").value

    def run(self, blocks: int, seed: int = 12345, step: int = 7) -> float:
        """Time ``blocks`` blocks of adds; return wall seconds. Raises if the sum is wrong."""
        return self.timed(blocks, seed, step)[0]

    def timed(self, blocks: int, seed: int = 12345, step: int = 7) -> tuple[float, float]:
        """Run ``blocks`` blocks of adds; return (wall seconds, this thread's CPU seconds)."""
        cpu0 = time.thread_time_ns()
        start = time.perf_counter_ns()
        value = self._fn(blocks, seed, step)
        elapsed = time.perf_counter_ns() - start
        cpu = time.thread_time_ns() - cpu0
        expected = (seed + self.adds_per_block * blocks * step) & MASK64
        if value != expected:
            raise RuntimeError(f"add chain returned {value}, expected {expected}")
        return elapsed / 1e9, cpu / 1e9


def clock_of(chain: AddChain, target_s: float = 0.02, samples: int = 15) -> dict:
    """Effective clock of the CPU the calling thread runs on, from the fastest sample.

    The chain length is scaled from a short probe so one sample lasts about
    ``target_s`` whatever the clock is.
    """
    chain.run(1 << 12)  # page in the code
    probe_blocks = 1 << 16
    probe_s = min(chain.timed(probe_blocks)[1] for _ in range(3))
    blocks = max(probe_blocks, int(probe_blocks * target_s / max(probe_s, 1e-9)))
    pairs = [chain.timed(blocks) for _ in range(samples)]
    walls = [wall for wall, _ in pairs]
    cpus = [cpu for _, cpu in pairs]
    adds = blocks * chain.adds_per_block
    return {
        "adds_per_sample": adds,
        "samples_s": walls,
        "samples_cpu_s": cpus,
        "clock_hz": adds / min(cpus),
        "clock_hz_median": adds / statistics.median(cpus),
        "clock_hz_wall": adds / min(walls),
    }


def measure(library: Path, cpus: list[int] | None = None, target_s: float = 0.02, samples: int = 15) -> dict:
    """Clock of every CPU in ``cpus`` (default: this process's affinity), pinned one at a time.

    ``clock_hz`` is the median over CPUs of each CPU's fastest sample.
    """
    chain = AddChain(library)
    cpus = metadata.affinity() if cpus is None else list(cpus)
    original = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    load_before = metadata.loadavg()
    per_cpu = {}
    try:
        for cpu in cpus:
            if original is not None:
                os.sched_setaffinity(0, {cpu})
            per_cpu[str(cpu)] = clock_of(chain, target_s, samples)
    finally:
        if original is not None:
            os.sched_setaffinity(0, original)
    clocks = [entry["clock_hz"] for entry in per_cpu.values()]
    return {
        "schema_version": SCHEMA_VERSION,
        "method": "dependent integer add chain, 1 cycle per add; fastest thread-CPU-time sample per CPU",
        "clock_hz": statistics.median(clocks),
        "clock_ghz": round(statistics.median(clocks) / 1e9, 4),
        "per_cpu": per_cpu,
        "measured_at": time.time(),
        "loadavg_before": load_before,
        "loadavg_after": metadata.loadavg(),
        **metadata.machine(),
    }


def cycles_per_iteration(timings: pd.DataFrame, clock_hz: float) -> pd.DataFrame:
    """Cycles per loop iteration of every single-thread grid point (backend x scenario x n, and axes).

    ``timings`` needs the columns of timings.csv ``backend, scenario, threads, n,
    wall_s``; with ``cpu_s`` it adds ``cycles_per_iteration_cpu`` (fastest trial
    by CPU time: immune to time-slicing by other processes), with
    ``loadavg_before`` the highest 1-minute load seen. A trial of n runs n - 2
    iterations; multi-thread scenarios are left out (their wall time measures
    the GIL, not the loop).
    """
    import pandas as pd

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
