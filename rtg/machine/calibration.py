"""Clock calibration: the machine's clock, measured by a chain of dependent adds (rtg/analysis/cycles.py uses it).

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
from pathlib import Path

from kernels import _toolchain
from rtg.trial import metadata

SCHEMA_VERSION = 1
SOURCE = Path(__file__).with_name("add_chain.c")
#: Fixed flags: the chain must compile to one register add per step whatever the
#: user's cython_cflags are (-O0 would add a store/load to every add).
CFLAGS = ["-O2"]
MASK64 = (1 << 64) - 1


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
