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
import resource
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from pathlib import Path

import kernels
from rtg.core.errors import UserError

#: Whether the GIL was on when this module was first imported, i.e. before any
#: kernel was loaded (rtg.trial.run imports it before importing a backend).
GIL_ENABLED_AT_START: bool = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True

#: The oldest Python the pipeline's own code (rtg/, kernels/) runs under.
MIN_VERSION = (3, 11)
#: How long and how much a probe may print: an executable that is not Python may hang or flood.
PROBE_TIMEOUT_S = 60
PROBE_OUTPUT_LIMIT = 1 << 20
#: How rtg/build/build_worker.py reports a build error the user can fix (see ``build_under``).
BUILD_ERROR_EXIT = 3
BUILD_ERROR_PREFIX = "RTG BUILD ERROR: "


def required_modules(backend: str, phase: str) -> list[str]:
    """The modules ``backend`` needs inside an interpreter to ``phase`` ("build" or "run"), as its kernel states."""
    return kernels.stated(backend).modules(phase)


# Written for any Python, even 2.7, so that an old interpreter gets a clear answer, not a SyntaxError.
_PROBE = """
import json, os, platform, shlex, sys, sysconfig
answer = {
    "rtg_probe": 1,
    "executable": sys.executable,
    "version_info": list(sys.version_info[:3]),
    "python_version": platform.python_version(),
    "python_implementation": platform.python_implementation(),
}
if tuple(sys.version_info[:2]) >= (3, 4):
    import importlib.util, shutil
    mods = json.loads(sys.argv[1])
    cc = shlex.split(sysconfig.get_config_var("CC") or "cc")
    include = sysconfig.get_paths()["include"]
    answer.update({
        "gil_disabled_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True,
        "missing": [m for m in mods if importlib.util.find_spec(m) is None],
        "compiler": " ".join(cc),
        "compiler_found": bool(cc) and shutil.which(cc[0]) is not None,
        "headers": include,
        "headers_found": os.path.exists(os.path.join(include, "Python.h")),
    })
print(json.dumps(answer))
"""


class InterpreterError(UserError):
    """An interpreter cannot run part of the pipeline; the message names it and what to change."""


def _run_bounded(argv: list[str], timeout: float, limit: int) -> tuple[int, str, str]:
    """Run ``argv`` with no stdin, at most ``timeout`` seconds and ``limit`` bytes of output each."""

    def cap_output() -> None:  # in the child: writing past the limit ends it (SIGXFSZ)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            done = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, timeout=timeout, preexec_fn=cap_output
            )
        except subprocess.TimeoutExpired:
            return -1, "", f"no answer within {timeout:.0f} s"
        out.seek(0)
        err.seek(0)
        return done.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace")


def probe(python: str, modules: Sequence[str] = ()) -> dict:
    """Version, build flavour, compiler, headers and missing ``modules`` of ``python``, from a child.

    Raises ``InterpreterError`` when ``python`` cannot be started, is not a
    Python, or is older than ``MIN_VERSION``: each named with what to do.
    """
    what = f"interpreter {python!r}"
    try:
        returncode, stdout, stderr = _run_bounded(
            [python, "-c", _PROBE, json.dumps(list(modules))], PROBE_TIMEOUT_S, PROBE_OUTPUT_LIMIT
        )
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        raise InterpreterError(
            f"{what} cannot be started ({error}): give the path of a Python executable in 'interpreters'"
        ) from None
    info = None
    for line in reversed(stdout.strip().splitlines()):
        try:
            candidate = json.loads(line)
        except ValueError:
            continue
        if isinstance(candidate, dict) and candidate.get("rtg_probe") == 1:
            info = candidate
            break
    if info is None:
        said = " ".join((stderr.strip() or stdout.strip() or f"nothing, exit status {returncode}")[-300:].split())
        raise InterpreterError(
            f"{what} does not answer like a Python interpreter (it said: {said}): "
            f"give the path of a CPython {'.'.join(map(str, MIN_VERSION))} or newer executable in 'interpreters'"
        )
    if tuple(info["version_info"][:2]) < MIN_VERSION:
        raise InterpreterError(
            f"{what} is Python {info['python_version']}, but the pipeline needs "
            f"{'.'.join(map(str, MIN_VERSION))} or newer: remove it from 'interpreters' or give a newer one"
        )
    return info


def lacks(info: dict, backends: Sequence[str], phases: Sequence[str] = ("build", "run")) -> list[str]:
    """What the probed interpreter ``info`` still needs for ``backends``, one phrase each.

    The probe must have been asked for the modules of ``required_modules`` (``info["missing"]``).
    """
    needs: dict[str, list[str]] = {}
    for backend in backends:
        stated = kernels.stated(backend)
        for phase in phases:
            for module in stated.modules(phase):
                if module in info.get("missing", []):
                    needs.setdefault(f"the package {module}", []).append(backend)
        if stated.needs_headers and not info.get("headers_found", True):
            needs.setdefault(f"the Python headers (no Python.h in {info.get('headers')})", []).append(backend)
        if stated.needs_compiler and not info.get("compiler_found", True):
            needs.setdefault(f"its C compiler {info.get('compiler')!r}", []).append(backend)
    return [f"{thing} (for {', '.join(sorted(set(users)))})" for thing, users in needs.items()]


def check_lacks(python: str, info: dict, backends: Sequence[str], phases: Sequence[str] = ("build", "run")) -> None:
    """Raise ``InterpreterError`` naming everything ``lacks`` finds, and what to do about it."""
    missing = lacks(info, backends, phases)
    if missing:
        raise InterpreterError(
            f"interpreter {python} (Python {info['python_version']}) lacks {'; '.join(missing)}: install it "
            f"there (e.g. {python} -m pip install -r envs/requirements.txt), or remove the backend from "
            f"'backends' or the interpreter from 'interpreters'"
        )


def abi_tag(info: dict) -> str:
    """The wheel ABI of a probed interpreter: ``cp313``, or ``cp313t`` for a free-threaded build."""
    major, minor = info["version_info"][:2]
    return f"cp{major}{minor}{'t' if info.get('gil_disabled_build') else ''}"


def unavailable(info: dict, backends: Sequence[str]) -> dict[str, str]:
    """backend -> why it cannot run under the probed interpreter ``info``: a package it lacks.

    Only packages count (a missing compiler or header is a set-up error, not
    a fact of the interpreter). Cython is not needed there: the running Python
    translates the .pyx (see ``build_under``). The probe must have been asked
    for the modules of ``required_modules``. A free-threaded interpreter often lacks a
    package because the registry has no wheel for its ABI (Numba 0.68.1: none
    for cp313t); its cells are then "not available", never failed.
    """
    reasons: dict[str, str] = {}
    abi = abi_tag(info)
    for backend in backends:
        lacking = sorted(
            {
                module
                for phase in ("build", "run")
                for module in required_modules(backend, phase)
                if module != "Cython" and module in info.get("missing", [])
            }
        )
        if lacking:
            reasons[backend] = (
                f"{', '.join(lacking)} is not installed in {label(info)} ({abi}); "
                f"tools/build-python.sh installs it only where the registry has a {abi} wheel"
            )
    return reasons


def require(python: str, backend: str, phase: str) -> dict:
    """Probe ``python`` and fail with a clear message if ``backend`` cannot ``phase`` there."""
    info = probe(python, required_modules(backend, phase))
    check_lacks(python, info, [backend], [phase])
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
    from kernels._toolchain import BuildError

    script = Path(__file__).with_name("build_worker.py")
    argv = [python, str(script), backend, str(build_dir), json.dumps(list(cflags))]
    info = probe(python, required_modules(backend, "build"))
    translate_here = backend == "cython" and "Cython" in info["missing"]
    if translate_here:
        info = {**info, "missing": [m for m in info["missing"] if m != "Cython"]}
    check_lacks(python, info, [backend], ["build"])
    if translate_here:
        from kernels import cython_backend

        argv.append(cython_backend.translate(Path(build_dir)))
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode == BUILD_ERROR_EXIT and BUILD_ERROR_PREFIX in done.stderr:
        print(done.stderr.split(BUILD_ERROR_PREFIX, 1)[0], end="")  # the compiler's own output, for the log
        raise BuildError(f"under interpreter {python}: {done.stderr.split(BUILD_ERROR_PREFIX, 1)[1].strip()}")
    if done.returncode != 0:
        raise RuntimeError(
            f"building {backend} under interpreter {python} failed (exit {done.returncode}): "
            f"{done.stderr.strip()[-3000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])
