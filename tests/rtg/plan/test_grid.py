"""The axis registry, the grid's paths made from it, and interpreter resolution."""

import re
import sys
from pathlib import Path

import pytest
import yaml

from rtg.build.interpreters import InterpreterError
from rtg.core import axes as registry
from rtg.plan import grid

ROOT = Path(__file__).resolve().parents[3]
INTERPS = {"cpython-3.11.7": {"default": True}, "cpython-3.12.1": {"default": False}}
CONFIG = {
    "backends": ["cython", "python"],
    "scenarios": ["gil", "nogil+gil"],
    "n_values": [100, 2000],
    "repetitions": 2,
    "executors": ["threads", "processes"],
    "n_scale": {"python": 0.01},
}


def point(**values) -> dict:
    return {"backend": "cython", "scenario": "gil", "n": 5, "rep": 1, "interpreter": "cpython-3.11.7", **values}


def path_of(values: dict) -> str:
    default = INTERPS[values["interpreter"]]["default"]
    return registry.trial_path(values, values["backend"], values["scenario"], values["n"], values["rep"], default)


def test_default_axes_keep_the_documented_paths():
    assert path_of(point()) == "results/trials/cython/gil/n5/rep1.json"
    assert path_of(point(executor="threads", calls_per_thread=1, switch_interval_ms=5.0, pin_threads=True)) == (
        "results/trials/cython/gil/n5/rep1.json"
    )
    assert grid.build_path("cython", "cpython-3.11.7", INTERPS) == "results/build/cython/manifest.json"


def test_other_axes_live_one_level_down():
    assert path_of(point(executor="processes")) == "results/trials/processes/cpython-3.11.7/cython/gil/n5/rep1.json"
    assert path_of(point(interpreter="cpython-3.12.1")) == (
        "results/trials/threads/cpython-3.12.1/cython/gil/n5/rep1.json"
    )
    assert path_of(point(calls_per_thread=100, switch_interval_ms=0.5, pin_threads=False)) == (
        "results/trials/threads-k100-si0.5-pin0/cpython-3.11.7/cython/gil/n5/rep1.json"
    )
    assert grid.build_path("cython", "cpython-3.12.1", INTERPS) == "results/build/cpython-3.12.1/cython/manifest.json"


def test_grid_covers_every_axis_once_with_scaled_n():
    paths = grid.trial_paths(CONFIG, INTERPS)
    assert len(paths) == len(set(paths)) == 2 * 2 * 2 * 2 * 2 * 2
    assert "results/trials/python/gil/n20/rep2.json" in paths  # 2000 * 0.01
    assert "results/trials/python/gil/n1/rep1.json" in paths  # 100 * 0.01
    assert not [p for p in paths if "/python/" in p and "/n2000/" in p]
    assert len(grid.build_paths(CONFIG, INTERPS)) == 4


def test_each_path_carries_its_own_point_and_a_new_axis_value_doubles_the_grid():
    config = {**CONFIG, "pin_threads": [True, False], "calls_per_thread": [1, 10], "n_values": [1000]}
    points = grid.trial_points(config, INTERPS)
    assert len(points) == 2 * 2 * 2 * 2 * 2 * 2 * 2 * 1
    for path, values in points.items():
        assert path_of(values) == path  # the path is made from the point, never read back
        if values["pin_threads"] is False:
            assert "-pin0/" in path
    segments = {path.split("/")[2] for path in points if path.count("/") == 7}
    assert all(re.fullmatch(registry.MODE_PATTERN, segment) for segment in segments)
    assert grid.points_per_interpreter(config) == 2 * 2 * 1 * 2


def test_every_axis_default_is_the_schema_default():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())["properties"]
    for axis in registry.AXES:
        if axis.default is not None:
            assert schema[axis.config_key]["default"] == [axis.default], axis.config_key
        assert axis.config_key in schema


def test_labels_name_only_the_axes_given_each_by_its_name():
    row = {"executor": "processes", "calls_per_thread": 100, "switch_interval_ms": 0.5, "pinned": False}
    assert registry.label(row, ["executor", "calls_per_thread", "switch_interval_ms", "pinned"]) == (
        "executor=processes, calls_per_thread=100, switch_interval_ms=0.5, pin_threads=false"
    )
    assert registry.label(row, []) == ""


def test_resolve_defaults_to_the_running_interpreter():
    resolved = grid.resolve([], ["ctypes", "python"])
    ((label, info),) = resolved.items()
    assert info["default"] is True
    assert label == f"cpython-{info['python_version']}"
    assert __import__("re").fullmatch(registry.INTERPRETER_PATTERN, label)


def test_resolve_refuses_the_same_version_twice():
    with pytest.raises(InterpreterError, match="list each version once"):
        grid.resolve([sys.executable, sys.executable], ["python"])


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
    resolved = grid.resolve([sys.executable, other], ["cython", "numba"])
    by_path = {info["configured"]: label for label, info in resolved.items()}
    mine, theirs = by_path[sys.executable], by_path[other]
    assert resolved[mine]["unavailable"] == {}
    assert "numba is not installed" in resolved[theirs]["unavailable"]["numba"]
    config = {**CONFIG, "backends": ["cython", "numba"], "executors": ["threads"]}
    paths = grid.trial_paths(config, resolved)
    assert [p for p in paths if "/numba/" in p] and not [p for p in paths if theirs in p and "/numba/" in p]
    assert grid.build_path("numba", theirs, resolved) not in grid.build_paths(config, resolved)
    [gap] = grid.not_available(config, resolved)
    assert (gap["interpreter"], gap["backend"]) == (theirs, "numba")


def test_a_backend_no_interpreter_can_run_is_still_a_config_error():
    other = _without_numba()
    with pytest.raises(InterpreterError, match="lacks the package numba"):
        grid.resolve([other], ["cython", "numba"])
