"""Interpreter axis: real probes and builds under the other CPythons on this machine."""

from __future__ import annotations

import glob
import platform
import subprocess
import sys
import sysconfig

import pytest

from rtg.build import interpreters
from rtg.core.reference import fib_mod64
from rtg.trial.executors import run_processes
from tests.conftest import ROOT, other_python


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


def test_an_executable_that_is_not_python_is_named_not_a_traceback():
    with pytest.raises(interpreters.InterpreterError) as raised:
        interpreters.probe("/usr/bin/true")
    message = str(raised.value)
    assert "'/usr/bin/true' does not answer like a Python interpreter" in message
    assert "'interpreters'" in message


def test_an_executable_that_floods_its_output_is_cut_off_and_named():
    with pytest.raises(interpreters.InterpreterError, match="'/usr/bin/yes' does not answer like a Python"):
        interpreters.probe("/usr/bin/yes")


def test_an_executable_that_never_answers_is_given_up_on(tmp_path, monkeypatch):
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\nexec sleep 600\n")
    silent.chmod(0o755)
    monkeypatch.setattr(interpreters, "PROBE_TIMEOUT_S", 1)
    with pytest.raises(interpreters.InterpreterError, match="no answer within 1 s"):
        interpreters.probe(str(silent))


def test_a_path_with_a_nul_byte_is_refused_cleanly():
    with pytest.raises(interpreters.InterpreterError, match="cannot be started"):
        interpreters.probe("/usr/bin/python\x00")


@pytest.mark.parametrize("version", ["2.7", "3.10"])
def test_a_python_older_than_the_supported_range_is_named(version):
    found = sorted(glob.glob(f"/root/.pyenv/versions/{version}.*/bin/python"))
    if not found:
        pytest.skip(f"no Python {version} on this machine")
    with pytest.raises(interpreters.InterpreterError) as raised:
        interpreters.probe(found[-1])
    assert f"is Python {version}." in str(raised.value)
    assert "needs 3.11 or newer" in str(raised.value)


def test_lacking_headers_or_a_compiler_is_named_for_the_backends_that_need_them():
    info = {
        "missing": ["numba"],
        "headers_found": False,
        "headers": "/x/include",
        "compiler_found": False,
        "compiler": "gcc-99",
    }
    lacking = interpreters.lacks(info, ["cython", "numba", "ctypes", "python"])
    assert lacking == [
        "the Python headers (no Python.h in /x/include) (for cython)",
        "its C compiler 'gcc-99' (for ctypes, cython)",
        "the package numba (for numba)",
    ]
    assert interpreters.lacks({**info, "missing": []}, ["python"]) == []


def test_the_modules_a_backend_needs_are_what_its_kernel_states():
    assert interpreters.required_modules("numba", "run") == ["numba"]
    assert interpreters.required_modules("cython", "build") == ["Cython"]
    assert interpreters.required_modules("cython", "run") == interpreters.required_modules("python", "build") == []
    assert interpreters.required_modules("no_such_backend", "build") == []


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


def newer_python() -> str:
    """A CPython 3.12 or newer (no distutils there); skip if this machine has none."""
    for path in sorted(glob.glob("/root/.pyenv/versions/3.1[2-9].*/bin/python")):
        return path
    pytest.skip("no CPython 3.12+ on this machine")


def pinned(package: str) -> str:
    """``package==version`` as envs/requirements.txt pins it."""
    for line in (ROOT / "envs" / "requirements.txt").read_text().splitlines():
        if line.lower().startswith(package.lower() + "=="):
            return line.strip()
    raise AssertionError(f"{package} is not pinned in envs/requirements.txt")


def test_cython_builds_under_a_python_without_distutils_that_has_its_own_cython(tmp_path):
    """Python 3.12 removed distutils; the build used to need it (cythonize). Now Cython's own compiler runs there."""
    venv = tmp_path / "venv"
    subprocess.run([newer_python(), "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    python = str(venv / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", pinned("cython")], capture_output=True, text=True, timeout=600
    )
    assert install.returncode == 0, install.stderr
    assert interpreters.probe(python, ["distutils", "setuptools"])["missing"] == ["distutils", "setuptools"]
    manifest = interpreters.build_under(python, "cython", tmp_path / "cython", ["-O2"])
    assert "translated_by" not in manifest  # its own Cython translated the .pyx
    assert manifest["cython_version"] == pinned("cython").split("==")[1]
    run = run_processes("cython", tmp_path / "cython", ["nogil", "gil"], 10**5, python=python)
    assert [r["value"] for r in run.records] == [str(fib_mod64(10**5))] * 2


def test_a_build_that_fails_under_another_interpreter_is_a_build_error_naming_the_flags(tmp_path):
    from kernels._toolchain import BuildError

    with pytest.raises(BuildError) as raised:
        interpreters.build_under(other_python(), "ctypes", tmp_path / "ctypes", ["-fno-such-flag-xyz"])
    message = str(raised.value)
    assert "under interpreter" in message and "cython_cflags" in message and "-fno-such-flag-xyz" in message
    assert "Traceback" not in message


def test_a_missing_package_makes_a_backend_unavailable_with_the_abi_in_the_reason():
    info = {
        "python_implementation": "CPython",
        "python_version": "3.13.5",
        "version_info": [3, 13, 5],
        "gil_disabled_build": True,
        "missing": ["numba", "Cython"],
    }
    found = interpreters.unavailable(info, ["cython", "numba", "ctypes"])
    assert list(found) == ["numba"]  # Cython is translated by the running Python: never a reason
    assert "numba is not installed in cpython-3.13.5t (cp313t)" in found["numba"]
    assert interpreters.abi_tag({**info, "gil_disabled_build": False}) == "cp313"
