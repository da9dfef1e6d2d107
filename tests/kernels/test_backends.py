"""Every registered backend, both entry points, against the independent reference.

Real builds: the Cython extension and the C library are really compiled and
Numba really JITs. Parametrised through ``kernels.BACKENDS``, so registering a
backend is enough to test it.
"""

import dataclasses
import json
from pathlib import Path

import pytest

import kernels
from rtg.core.reference import fib_mod64
from rtg.core.scenarios import parse
from rtg.trial.run import TrialPlan, run_trial

NS = [0, 1, 2, 3, 10, 93, 94, 1000, 10**6]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    dirs = {}
    for backend in kernels.BACKENDS:
        build_dir = tmp_path_factory.mktemp(backend)
        manifest = kernels.load(backend).build(build_dir, ["-O2", "-funroll-loops"])
        assert manifest["backend"] == backend
        assert manifest["source_sha256"]
        (build_dir / "manifest.json").write_text(json.dumps(manifest))
        dirs[backend] = build_dir
    return dirs


@pytest.mark.parametrize("backend", sorted(kernels.BACKENDS))
@pytest.mark.parametrize("mode", kernels.MODES)
def test_entry_points_match_reference(built, backend, mode):
    fib = kernels.load(backend).entry_point(mode, built[backend])
    for n in NS:
        value = fib(n)
        assert type(value) is int
        assert 0 <= value < 2**64
        assert value == fib_mod64(n), (backend, mode, n)


def test_build_outputs_stay_out_of_the_source_tree(built):
    source_dir = Path(kernels.__file__).parent
    assert not list(source_dir.glob("*.so"))
    assert not list(source_dir.glob("fib_cython.c"))
    assert not list(source_dir.rglob("*.nbi"))


#: The Fibonacci kernels' two entry points, and what their code says about the GIL in each.
FIB = ("gil", "nogil")
GIL_THEN_NOGIL = {"gil": "holds", "nogil": "releases"}
PURE_PYTHON = {"gil": "holds", "nogil": "holds"}
#: What each built-in states about itself: the tables rtg kept by backend name before the kernels stated it.
BUILT_IN_FACTS = {
    "cython": kernels.Stated({"build": ("Cython",), "run": ()}, True, True, True, True, FIB, GIL_THEN_NOGIL),
    "numba": kernels.Stated({"build": ("numba",), "run": ("numba",)}, False, False, True, True, FIB, GIL_THEN_NOGIL),
    "ctypes": kernels.Stated({"build": (), "run": ()}, True, False, True, True, FIB, GIL_THEN_NOGIL),
    "python": kernels.Stated({"build": (), "run": ()}, False, False, False, False, FIB, PURE_PYTHON),
    "python_private": kernels.Stated({"build": (), "run": ()}, False, False, False, False, FIB, PURE_PYTHON),
}


@pytest.mark.parametrize("backend", list(kernels.BACKENDS))
def test_every_built_in_states_each_of_its_facts(backend):
    module = kernels.load(backend)
    assert [name for name in kernels.STATED_DEFAULTS if not hasattr(module, name)] == []
    facts = kernels.stated(backend)
    assert dataclasses.replace(facts, source_cites="") == BUILT_IN_FACTS[backend]
    assert facts.source_cites  # where its code says it holds or releases the GIL, in words


def test_unknown_backend_names_the_allowed_ones():
    with pytest.raises(ValueError, match="cython"):
        kernels.load("fortran")


def test_cflags_apply_only_to_compiled_backends():
    assert kernels.cflags_for("cython", ["-O3"]) == ["-O3"]
    assert kernels.cflags_for("numba", ["-O3"]) == []
    assert kernels.cflags_for("ctypes", ["-O3"]) == ["-O3"]
    assert kernels.cflags_for("python", ["-O3"]) == []


@pytest.mark.parametrize("backend", list(kernels.BACKENDS))
def test_unknown_mode_is_refused(built, backend):
    build_dir = built[backend]
    with pytest.raises((ValueError, AttributeError)):
        kernels.load(backend).entry_point("sometimes", build_dir)


def test_ctypes_manifest_records_flags_and_loaders(built):
    build_dir = built["ctypes"]
    manifest = json.loads((build_dir / "manifest.json").read_text())
    assert manifest["cflags"] == ["-O2", "-funroll-loops"]
    assert manifest["command"][-1] == str(build_dir / "libfib.so")
    assert manifest["loaders"] == {"nogil": "CDLL", "gil": "PyDLL"}


def test_python_nogil_is_the_same_code(built):
    build_dir = built["python"]
    manifest = json.loads((build_dir / "manifest.json").read_text())
    module = kernels.load("python")
    assert module.entry_point("gil", build_dir) is module.entry_point("nogil", build_dir)
    assert manifest["releases_gil"] is False is kernels.stated("python").releases_gil


def _overlap_fraction(records: list[dict]) -> float:
    """Shared run time of two threads' kernel calls, over the shorter call.

    A call's end is taken as ``start + thread CPU time``, not the recorded
    ``end_ns``: after a PyDLL call returns, the thread must win the GIL back
    (the waiting thread asked for it) before it can read the clock, so its
    ``end_ns`` can include the whole second call and fake an overlap.
    """
    (s1, e1), (s2, e2) = [(r["start_ns"], r["start_ns"] + r["cpu_s"] * 1e9) for r in records]
    shared = max(0.0, min(e1, e2) - max(s1, s2))
    return shared / min(e1 - s1, e2 - s2)


def test_ctypes_pair_differs_in_gil_behaviour(built):
    """PyDLL serialises two threads; CDLL lets them overlap.

    Runs the real trial runner. Interval overlap (not speed) is the measure:
    even when other jobs share the 2 cores and the threads get time-sliced,
    released-GIL calls still overlap in wall time, while a held GIL makes the
    second call wait for the first. Median of 3 trials, generous thresholds.
    """
    n = 300_000_000  # about 0.1 s per call at 1 cycle per iteration
    results = {}
    for scenario in ("gil+gil", "nogil+nogil"):
        fractions = []
        for rep in (1, 2, 3):
            plan = TrialPlan(backend="ctypes", scenario=parse(scenario), n=n, rep=rep)
            trial = run_trial(plan, built["ctypes"], {})
            assert trial["correct"] is True
            fractions.append(_overlap_fraction(trial["thread_records"]))
        results[scenario] = sorted(fractions)[1]
    assert results["gil+gil"] < 0.15, results
    assert results["nogil+nogil"] > 0.5, results
