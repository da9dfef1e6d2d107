"""The executor and interpreter axes as Snakemake targets.

The default point of both axes (threads, the Python running snakemake) keeps
the documented paths ``results/build/<backend>/manifest.json`` and
``results/trials/<backend>/<scenario>/n<n>/rep<rep>.json``. Any other point
lives one level down, named by its axes, so existing results and readers stay
valid:

``results/build/<interpreter>/<backend>/manifest.json``
``results/trials/<executor>/<interpreter>/<backend>/<scenario>/n<n>/rep<rep>.json``
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from rtg import interpreters
from rtg.nscale import backend_n_values

DEFAULT_EXECUTOR = "threads"
#: Wildcard constraints of the axes (labels come from ``interpreters.label``).
EXECUTOR_PATTERN = "threads|processes"
INTERPRETER_PATTERN = r"[a-z]+-\d+(?:\.\d+)*[a-z0-9]*t?"


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def resolve(paths: Sequence[str], backends: Sequence[str], running: str = sys.executable) -> dict[str, dict]:
    """label -> probe info (plus ``default``) for each configured interpreter.

    Probes every interpreter once and checks it can run every backend, so a
    missing package stops the workflow before any job, naming the interpreter.
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
        info = interpreters.probe(path, modules)
        interpreters.check_lacks(path, info, backends)
        label = interpreters.label(info)
        if label in resolved:
            raise interpreters.InterpreterError(
                f"interpreters {resolved[label]['configured']} and {path} are both {label}: list each version once"
            )
        resolved[label] = {**info, "configured": path, "default": _same_file(info["executable"], running)}
    return resolved


def build_path(backend: str, interpreter: str, interps: Mapping[str, dict]) -> str:
    """Manifest path of ``backend`` built for ``interpreter``."""
    if interps[interpreter]["default"]:
        return f"results/build/{backend}/manifest.json"
    return f"results/build/{interpreter}/{backend}/manifest.json"


def trial_path(
    backend: str, scenario: str, n: int, rep: int, executor: str, interpreter: str, interps: Mapping[str, dict]
) -> str:
    """Trial path for one grid point on the given axes."""
    tail = f"{backend}/{scenario}/n{n}/rep{rep}.json"
    if executor == DEFAULT_EXECUTOR and interps[interpreter]["default"]:
        return f"results/trials/{tail}"
    return f"results/trials/{executor}/{interpreter}/{tail}"


def trial_paths(config: Mapping, interps: Mapping[str, dict]) -> list[str]:
    """Every trial of the grid: interpreter x executor x backend x scenario x (scaled) n x rep."""
    return [
        trial_path(backend, scenario, n, rep, executor, interpreter, interps)
        for interpreter in interps
        for executor in config["executors"]
        for backend in config["backends"]
        for scenario in config["scenarios"]
        for n in backend_n_values(backend, config["n_values"], config.get("n_scale"))
        for rep in range(1, config["repetitions"] + 1)
    ]


def build_paths(config: Mapping, interps: Mapping[str, dict]) -> list[str]:
    """Every build manifest the grid needs."""
    return [build_path(b, i, interps) for i in interps for b in config["backends"]]
