"""Every registered backend, both entry points, against the independent reference.

Real builds only: the Cython extension and the C library are compiled, Numba
really JITs into its cache. Parametrised through ``kernels.BACKENDS`` so a new
backend is tested by registering it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import kernels
from rtg.reference import fib_mod64

CFLAGS = ["-O2", "-funroll-loops"]
N_VALUES = [0, 1, 2, 3, 10, 93, 94, 1000, 10**6]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """Build every backend once for this module: backend -> (build_dir, manifest)."""
    root = tmp_path_factory.mktemp("build")
    out = {}
    for backend in kernels.BACKENDS:
        build_dir = root / backend
        out[backend] = (build_dir, kernels.load(backend).build(build_dir, CFLAGS))
    return out


@pytest.mark.parametrize("mode", kernels.MODES)
@pytest.mark.parametrize("backend", list(kernels.BACKENDS))
def test_entry_point_matches_reference(built, backend, mode):
    build_dir, _ = built[backend]
    fib = kernels.load(backend).entry_point(mode, build_dir)
    for n in N_VALUES:
        value = fib(n)
        assert isinstance(value, int)
        assert value == fib_mod64(n), (backend, mode, n)


@pytest.mark.parametrize("backend", list(kernels.BACKENDS))
def test_manifest_names_backend_and_source(built, backend):
    _, manifest = built[backend]
    assert manifest["backend"] == backend
    assert len(manifest["source_sha256"]) == 64


@pytest.mark.parametrize("backend", list(kernels.BACKENDS))
def test_unknown_mode_is_refused(built, backend):
    build_dir, _ = built[backend]
    with pytest.raises((ValueError, AttributeError)):
        kernels.load(backend).entry_point("sometimes", build_dir)


def test_ctypes_manifest_records_flags_and_loaders(built):
    build_dir, manifest = built["ctypes"]
    assert manifest["cflags"] == CFLAGS
    assert manifest["command"][-1] == str(build_dir / "libfib.so")
    assert manifest["loaders"] == {"nogil": "CDLL", "gil": "PyDLL"}


def test_python_nogil_is_the_same_code(built):
    build_dir, manifest = built["python"]
    module = kernels.load("python")
    assert module.entry_point("gil", build_dir) is module.entry_point("nogil", build_dir)
    assert manifest["releases_gil"] is False


def _overlap_fraction(intervals: list[tuple[int, int]]) -> float:
    """Time both intervals run together, over the shorter interval's length."""
    (s1, e1), (s2, e2) = intervals
    shared = max(0, min(e1, e2) - max(s1, s2))
    return shared / min(e1 - s1, e2 - s2)


def _two_threads(fib, n: int) -> list[tuple[int, int]]:
    """Start two threads running ``fib(n)``; return each one's [start, end] in ns."""
    spans: list[tuple[int, int]] = [(0, 0), (0, 0)]
    values = [0, 0]

    def work(index: int) -> None:
        start = time.perf_counter_ns()
        values[index] = fib(n)
        spans[index] = (start, time.perf_counter_ns())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert values == [fib_mod64(n)] * 2
    return spans


def test_ctypes_pair_differs_in_gil_behaviour(built):
    """PyDLL serialises two threads; CDLL lets them overlap.

    Interval overlap (not speed) is the measure: even when other jobs share the
    2 cores and the threads get time-sliced, released-GIL calls still overlap
    in wall time, while a held GIL makes the second call wait for the first.
    Median of 3 runs, generous thresholds.
    """
    build_dir, _ = built["ctypes"]
    module = kernels.load("ctypes")
    n = 300_000_000  # about 0.1 s per call at 1 cycle per iteration
    results = {}
    for mode in kernels.MODES:
        fib = module.entry_point(mode, build_dir)
        fractions = sorted(_overlap_fraction(_two_threads(fib, n)) for _ in range(3))
        results[mode] = fractions[1]
    assert results["gil"] < 0.1, results
    assert results["nogil"] > 0.5, results
