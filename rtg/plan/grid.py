"""The executor, interpreter and call-pattern axes as Snakemake targets.

The default point of every axis (threads, the Python running snakemake, one
call per thread, CPython's 5 ms switch interval) keeps the documented paths
``results/build/<backend>/manifest.json`` and
``results/trials/<backend>/<scenario>/n<n>/rep<rep>.json``. Any other point
lives one level down, named by its axes, so existing results and readers stay
valid:

``results/build/<interpreter>/<backend>/manifest.json``
``results/trials/<mode>/<interpreter>/<backend>/<scenario>/n<n>/rep<rep>.json``

where ``<mode>`` is the executor, followed by ``-k<calls per thread>`` and
``-si<switch interval in ms>`` when they are not the defaults (``threads``,
``threads-k100``, ``processes-k10-si0.5``; see :func:`mode` and :func:`parse_mode`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence

from rtg.build import interpreters
from rtg.plan.nscale import backend_n_values

DEFAULT_EXECUTOR = "threads"
DEFAULT_CALLS = 1
#: CPython's own default switch interval (``sys.getswitchinterval()`` = 0.005 s).
DEFAULT_SWITCH_MS = 5.0
#: Wildcard constraints of the axes (labels come from ``interpreters.label``).
EXECUTOR_PATTERN = r"(?:threads|processes)(?:-k[1-9]\d*)?(?:-si\d+(?:\.\d+)?)?"
_MODE = re.compile(r"^(?P<executor>threads|processes)(?:-k(?P<k>[1-9]\d*))?(?:-si(?P<si>\d+(?:\.\d+)?))?$")


def mode(executor: str, calls: int = DEFAULT_CALLS, switch_ms: float = DEFAULT_SWITCH_MS) -> str:
    """The path segment of an executor and call pattern: ``threads``, ``threads-k100-si0.5``."""
    text = executor
    if int(calls) != DEFAULT_CALLS:
        text += f"-k{int(calls)}"
    if float(switch_ms) != DEFAULT_SWITCH_MS:
        text += f"-si{float(switch_ms):g}"
    return text


def parse_mode(segment: str) -> tuple[str, int, float]:
    """(executor, calls per thread, switch interval in ms) of a path segment made by :func:`mode`."""
    match = _MODE.match(segment)
    if match is None:
        raise ValueError(f"not an executor/call-pattern segment: {segment!r}")
    k = int(match["k"]) if match["k"] else DEFAULT_CALLS
    si = float(match["si"]) if match["si"] else DEFAULT_SWITCH_MS
    return match["executor"], k, si


INTERPRETER_PATTERN = r"[a-z]+-\d+(?:\.\d+)*[a-z0-9]*t?"


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def resolve(
    paths: Sequence[str], backends: Sequence[str], running: str = sys.executable, extra: Sequence[str] = ()
) -> dict[str, dict]:
    """label -> probe info (plus ``configured``, ``default`` and ``unavailable``) per interpreter.

    Probes every interpreter once and checks it can run every backend (and
    import the ``extra`` modules, e.g. gilknocker for the heartbeat), so a
    missing package stops the workflow before any job, naming the interpreter.
    One exception: a backend that some interpreter can run but another lacks a
    package for (Numba on a free-threaded 3.13, which has no wheel) is left out
    of that interpreter's grid; ``unavailable`` says why, and the report marks
    those cells "not available".
    """
    resolved: dict[str, dict] = {}
    # Every module a backend needs, but Cython: the running Python translates the .pyx if it is missing.
    modules = sorted(
        {
            module
            for backend in backends
            for phase in ("build", "run")
            for module in interpreters.REQUIRES.get(backend, {}).get(phase, [])
            if module != "Cython"
        }
    )
    for path in paths or [running]:
        info = interpreters.probe(path, [*modules, *extra])
        lacking = interpreters.unavailable(info, backends)
        interpreters.check_lacks(path, info, [b for b in backends if b not in lacking])
        missing = [m for m in extra if m in info.get("missing", [])]
        if missing:
            raise interpreters.InterpreterError(
                f"{path} lacks {', '.join(missing)} (heartbeat: true needs it): install it there "
                f"(python -m pip install -r envs/requirements.txt)"
            )
        label = interpreters.label(info)
        if label in resolved:
            raise interpreters.InterpreterError(
                f"interpreters {resolved[label]['configured']} and {path} are both {label}: list each version once"
            )
        resolved[label] = {
            **info,
            "configured": path,
            "default": _same_file(info["executable"], running),
            "unavailable": lacking,
        }
    nowhere = [b for b in backends if all(b in r["unavailable"] for r in resolved.values())]
    if nowhere:  # a backend no interpreter can run is a set-up error: name what to install, as before
        first = next(r for r in resolved.values() if nowhere[0] in r["unavailable"])
        interpreters.check_lacks(first["configured"], first, nowhere)
    return resolved


def available(backend: str, interpreter: str, interps: Mapping[str, dict]) -> bool:
    """Whether ``backend`` runs under ``interpreter`` (see ``resolve``)."""
    return backend not in interps[interpreter].get("unavailable", {})


def not_available(config: Mapping, interps: Mapping[str, dict]) -> list[dict]:
    """The (interpreter, backend) pairs left out of the grid, with the reason, for the report."""
    return [
        {"interpreter": label, "backend": backend, "reason": info["unavailable"][backend]}
        for label, info in interps.items()
        for backend in config["backends"]
        if backend in info.get("unavailable", {})
    ]


def build_path(backend: str, interpreter: str, interps: Mapping[str, dict]) -> str:
    """Manifest path of ``backend`` built for ``interpreter``."""
    if interps[interpreter]["default"]:
        return f"results/build/{backend}/manifest.json"
    return f"results/build/{interpreter}/{backend}/manifest.json"


def trial_path(
    backend: str,
    scenario: str,
    n: int,
    rep: int,
    executor: str,
    interpreter: str,
    interps: Mapping[str, dict],
    calls: int = DEFAULT_CALLS,
    switch_ms: float = DEFAULT_SWITCH_MS,
) -> str:
    """Trial path for one grid point on the given axes."""
    tail = f"{backend}/{scenario}/n{n}/rep{rep}.json"
    segment = mode(executor, calls, switch_ms)
    if segment == DEFAULT_EXECUTOR and interps[interpreter]["default"]:
        return f"results/trials/{tail}"
    return f"results/trials/{segment}/{interpreter}/{tail}"


def trial_paths(config: Mapping, interps: Mapping[str, dict]) -> list[str]:
    """Every trial of the grid: interpreter x executor x calls x switch interval x backend x scenario x n x rep."""
    return [
        trial_path(backend, scenario, n, rep, executor, interpreter, interps, calls, switch_ms)
        for interpreter in interps
        for executor in config["executors"]
        for calls in config.get("calls_per_thread", [DEFAULT_CALLS])
        for switch_ms in config.get("switch_interval_ms", [DEFAULT_SWITCH_MS])
        for backend in config["backends"]
        if available(backend, interpreter, interps)
        for scenario in config["scenarios"]
        for n in backend_n_values(backend, config["n_values"], config.get("n_scale"))
        for rep in range(1, config["repetitions"] + 1)
    ]


def build_paths(config: Mapping, interps: Mapping[str, dict]) -> list[str]:
    """Every build manifest the grid needs."""
    return [build_path(b, i, interps) for i in interps for b in config["backends"] if available(b, i, interps)]
