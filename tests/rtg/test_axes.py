"""Grid paths on the executor and interpreter axes, and interpreter resolution."""

import sys

import pytest

from rtg.build.interpreters import InterpreterError
from rtg.plan import grid as axes

INTERPS = {"cpython-3.11.7": {"default": True}, "cpython-3.12.1": {"default": False}}
CONFIG = {
    "backends": ["cython", "python"],
    "scenarios": ["gil", "nogil+gil"],
    "n_values": [100, 2000],
    "repetitions": 2,
    "executors": ["threads", "processes"],
    "n_scale": {"python": 0.01},
}


def test_default_axes_keep_the_documented_paths():
    assert axes.trial_path("cython", "gil", 5, 1, "threads", "cpython-3.11.7", INTERPS) == (
        "results/trials/cython/gil/n5/rep1.json"
    )
    assert axes.build_path("cython", "cpython-3.11.7", INTERPS) == "results/build/cython/manifest.json"


def test_other_axes_live_one_level_down():
    assert axes.trial_path("cython", "gil", 5, 1, "processes", "cpython-3.11.7", INTERPS) == (
        "results/trials/processes/cpython-3.11.7/cython/gil/n5/rep1.json"
    )
    assert axes.trial_path("cython", "gil", 5, 1, "threads", "cpython-3.12.1", INTERPS) == (
        "results/trials/threads/cpython-3.12.1/cython/gil/n5/rep1.json"
    )
    assert axes.build_path("cython", "cpython-3.12.1", INTERPS) == "results/build/cpython-3.12.1/cython/manifest.json"


def test_grid_covers_every_axis_once_with_scaled_n():
    paths = axes.trial_paths(CONFIG, INTERPS)
    assert len(paths) == len(set(paths)) == 2 * 2 * 2 * 2 * 2 * 2
    assert "results/trials/python/gil/n20/rep2.json" in paths  # 2000 * 0.01
    assert "results/trials/python/gil/n1/rep1.json" in paths  # 100 * 0.01
    assert not [p for p in paths if "/python/" in p and "/n2000/" in p]
    assert len(axes.build_paths(CONFIG, INTERPS)) == 4


def test_resolve_defaults_to_the_running_interpreter():
    resolved = axes.resolve([], ["ctypes", "python"])
    ((label, info),) = resolved.items()
    assert info["default"] is True
    assert label == f"cpython-{info['python_version']}"
    assert __import__("re").fullmatch(axes.INTERPRETER_PATTERN, label)


def test_resolve_refuses_the_same_version_twice():
    with pytest.raises(InterpreterError, match="list each version once"):
        axes.resolve([sys.executable, sys.executable], ["python"])


def _without_numba() -> str:
    """A supported CPython that lacks numba (pyenv's 3.12 or 3.13 here); skip when this machine has none."""
    import glob

    from rtg.build import interpreters

    for path in sorted(glob.glob("/root/.pyenv/versions/3.1[2-9]*/bin/python")):
        if "numba" in interpreters.probe(path, ["numba"])["missing"]:
            return path
    pytest.skip("no CPython 3.12+ without numba on this machine")


def test_a_backend_one_interpreter_lacks_is_left_out_there_not_refused():
    other = _without_numba()
    resolved = axes.resolve([sys.executable, other], ["cython", "numba"])
    by_path = {info["configured"]: label for label, info in resolved.items()}
    mine, theirs = by_path[sys.executable], by_path[other]
    assert resolved[mine]["unavailable"] == {}
    assert "numba is not installed" in resolved[theirs]["unavailable"]["numba"]
    config = {**CONFIG, "backends": ["cython", "numba"], "executors": ["threads"]}
    paths = axes.trial_paths(config, resolved)
    assert [p for p in paths if "/numba/" in p] and not [p for p in paths if theirs in p and "/numba/" in p]
    assert axes.build_path("numba", theirs, resolved) not in axes.build_paths(config, resolved)
    [gap] = axes.not_available(config, resolved)
    assert (gap["interpreter"], gap["backend"]) == (theirs, "numba")


def test_a_backend_no_interpreter_can_run_is_still_a_config_error():
    other = _without_numba()
    with pytest.raises(InterpreterError, match="lacks the package numba"):
        axes.resolve([other], ["cython", "numba"])
