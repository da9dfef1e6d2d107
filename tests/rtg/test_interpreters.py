"""Interpreter axis: real probes and builds under the other CPythons on this machine."""

from __future__ import annotations

import platform
import sys
import sysconfig

import pytest

from rtg import interpreters
from rtg.executors import run_processes
from rtg.reference import fib_mod64
from tests.conftest import other_python


def test_probe_of_the_running_interpreter():
    info = interpreters.probe(sys.executable, ["json", "no_such_module_xyz"])
    assert info["python_version"] == platform.python_version()
    assert info["gil_disabled_build"] == bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert info["missing"] == ["no_such_module_xyz"]
    assert interpreters.label(info) == f"cpython-{platform.python_version()}"


def test_missing_package_error_names_interpreter_and_package():
    other = other_python()
    with pytest.raises(interpreters.InterpreterError) as raised:
        interpreters.require(other, "numba", "run")
    assert other in str(raised.value) and "numba" in str(raised.value)


def test_unstartable_interpreter_is_named(tmp_path):
    missing = str(tmp_path / "python9")
    with pytest.raises(interpreters.InterpreterError, match="python9"):
        interpreters.probe(missing)


def test_build_and_processes_under_another_interpreter(tmp_path):
    """The C library builds for, and runs under, an interpreter without our packages."""
    other = other_python()
    manifest = interpreters.build_under(other, "ctypes", tmp_path / "ctypes", ["-O2"])
    version = interpreters.probe(other)["python_version"]
    assert manifest["python_version"] == version
    run = run_processes("ctypes", tmp_path / "ctypes", ["nogil", "gil"], 10**5, python=other)
    assert [r["value"] for r in run.records] == [str(fib_mod64(10**5))] * 2


def test_label_marks_free_threaded_builds():
    info = {"python_implementation": "CPython", "python_version": "3.13.0", "gil_disabled_build": True}
    assert interpreters.label(info) == "cpython-3.13.0t"


def test_gil_state_on_this_build():
    state = interpreters.gil_state()
    assert state["gil_disabled_build"] == bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert state["gil_reenabled_by_import"] is False


def test_gil_state_flags_reenabled_gil_on_free_threaded_build(monkeypatch):
    """No free-threaded CPython here: check the rule itself on patched facts."""
    monkeypatch.setattr(interpreters.sysconfig, "get_config_var", lambda name: 1)
    monkeypatch.setattr(interpreters.sys, "_is_gil_enabled", lambda: True, raising=False)
    assert interpreters.gil_state(gil_enabled_at_start=False)["gil_reenabled_by_import"] is True
    assert interpreters.gil_state(gil_enabled_at_start=True)["gil_reenabled_by_import"] is False


def test_cython_builds_for_an_interpreter_without_cython(tmp_path):
    """We translate the .pyx; the other interpreter compiles and imports the extension."""
    other = other_python()
    manifest = interpreters.build_under(other, "cython", tmp_path / "cython", ["-O2"])
    assert manifest["python_version"] == interpreters.probe(other)["python_version"]
    assert manifest["translated_by"].startswith("parent")
    run = run_processes("cython", tmp_path / "cython", ["nogil", "gil"], 10**5, python=other)
    assert [r["value"] for r in run.records] == [str(fib_mod64(10**5))] * 2
