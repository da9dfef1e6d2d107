"""The interpreter axis: which Python runs a build or a trial, and what its GIL did.

Config ``interpreters`` lists Python executables (default: the one running
Snakemake). Builds and trials for another interpreter run in a subprocess of
that interpreter, so the extension is compiled against its headers and ABI.
On a free-threaded build (``Py_GIL_DISABLED``) importing an extension that
does not declare free-threading support re-enables the GIL, so the GIL state
is recorded *after* the kernel is loaded and compared with the start state.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

#: Whether the GIL was on when this module was first imported, i.e. before any
#: kernel was loaded (rtg.trial imports it before importing a backend).
GIL_ENABLED_AT_START: bool = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True

#: Importable modules each backend needs inside the interpreter, per phase.
REQUIRES: dict[str, dict[str, list[str]]] = {
    "cython": {"build": ["Cython"], "run": []},
    "numba": {"build": ["numba"], "run": ["numba"]},
    "ctypes": {"build": [], "run": []},
    "python": {"build": [], "run": []},
}

_PROBE = """
import importlib.util, json, platform, sys, sysconfig
mods = json.loads(sys.argv[1])
print(json.dumps({
    "executable": sys.executable,
    "python_version": platform.python_version(),
    "python_implementation": platform.python_implementation(),
    "gil_disabled_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "gil_enabled": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True,
    "missing": [m for m in mods if importlib.util.find_spec(m) is None],
}))
"""


class InterpreterError(RuntimeError):
    """An interpreter cannot run part of the pipeline; the message names it."""


def probe(python: str, modules: Sequence[str] = ()) -> dict:
    """Version, build flavour and missing ``modules`` of ``python``, from a child process."""
    try:
        done = subprocess.run(
            [python, "-c", _PROBE, json.dumps(list(modules))],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except OSError as error:
        raise InterpreterError(f"interpreter {python!r} cannot be started: {error}") from None
    if done.returncode != 0:
        raise InterpreterError(
            f"interpreter {python!r} failed the probe (exit {done.returncode}): {done.stderr.strip()[-500:]}"
        )
    return json.loads(done.stdout)


def require(python: str, backend: str, phase: str) -> dict:
    """Probe ``python`` and fail with a clear message if ``backend`` cannot ``phase`` there."""
    modules = REQUIRES.get(backend, {}).get(phase, [])
    info = probe(python, modules)
    if info["missing"]:
        missing = ", ".join(info["missing"])
        raise InterpreterError(
            f"interpreter {python} (Python {info['python_version']}) lacks {missing}, "
            f"needed to {phase} the {backend} backend: install it there "
            f"(e.g. {python} -m pip install -r envs/requirements.txt) "
            f"or remove this interpreter from config 'interpreters'"
        )
    return info


def label(info: dict) -> str:
    """Short, path-safe name such as ``cpython-3.11.7`` or ``cpython-3.13.0t``."""
    name = f"{info['python_implementation'].lower()}-{info['python_version']}"
    if info["gil_disabled_build"]:
        name += "t"
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def gil_state(gil_enabled_at_start: bool | None = None) -> dict:
    """GIL facts of the running process; call after the kernel is imported.

    ``gil_reenabled_by_import`` is True only on a free-threaded build whose GIL
    was off at start and is on now (an extension without free-threading
    support switched it back on): the trial then measures a GIL build.
    """
    disabled_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    enabled = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    at_start = enabled if gil_enabled_at_start is None else gil_enabled_at_start
    return {
        "gil_disabled_build": disabled_build,
        "gil_enabled": enabled,
        "gil_enabled_at_start": at_start,
        "gil_reenabled_by_import": bool(disabled_build and not at_start and enabled),
    }


def build_under(python: str, backend: str, build_dir: Path, cflags: list[str]) -> dict:
    """Run ``kernels.load(backend).build`` inside ``python``; return its manifest.

    The Cython backend is special: if ``python`` lacks Cython, this process
    (which has it) translates the .pyx and ``python`` only compiles the C, so
    every interpreter gets an extension built against its own headers.
    """
    script = Path(__file__).with_name("build_worker.py")
    argv = [python, str(script), backend, str(build_dir), json.dumps(list(cflags))]
    if backend == "cython" and probe(python, ["Cython"])["missing"]:
        from kernels import cython_backend

        argv.append(cython_backend.translate(Path(build_dir)))
    else:
        require(python, backend, "build")
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InterpreterError(
            f"building {backend} under interpreter {python} failed (exit {done.returncode}): "
            f"{done.stderr.strip()[-1000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])
