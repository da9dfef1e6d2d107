"""The grid as Snakemake targets: every trial path with the point it measures, every build.

Paths come from the axis registry (rtg/core/axes.py): the blog's point keeps
the documented ``results/trials/<backend>/<scenario>/n<n>/rep<rep>.json``, any
other point lives one level down, named by its axes. Each trial's values reach
its job through :func:`trial_points` (path -> point), never parsed back out of
its path.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence

from rtg.build import interpreters
from rtg.core import axes as axes_registry
from rtg.core import scenarios
from rtg.trial import heartbeat


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
            for module in interpreters.required_modules(backend, phase)
            if module != "Cython"
        }
    )
    for path in paths or [running]:
        info = interpreters.probe(path, [*modules, *extra])
        lacking = interpreters.unavailable(info, backends)
        interpreters.check_lacks(path, info, [b for b in backends if b not in lacking])
        # gilknocker has no wheel for free-threaded builds, and nothing to knock on there: the heartbeat runs alone.
        missing = [
            m for m in extra if m in info.get("missing", []) and (m != "gilknocker" or heartbeat.needs_gilknocker(info))
        ]
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


#: The n axis of each backend (config key ``n_scale``). Pure Python runs the loop at about 60 ns per iteration, 200x
#: the compiled backends, so ``n_scale: {python: 0.01}`` runs it at 1/100 of every n. The scaled n is the n of the
#: trial (in its path and its record), never a label, so every value is checked against the reference for the n it
#: really computed.


def scaled_n(backend: str, n: int, n_scale: Mapping[str, float] | None = None) -> int:
    """``n`` times the backend's scale (default 1), rounded, never below 1 (n >= 1 stays n >= 1)."""
    scale = float((n_scale or {}).get(backend, 1.0))
    if scale <= 0:
        raise ValueError(f"n_scale for {backend!r} must be > 0, got {scale}")
    return max(min(int(n), 1), round(int(n) * scale))


def backend_n_values(backend: str, n_values: Iterable[int], n_scale: Mapping[str, float] | None = None) -> list[int]:
    """The n grid of one backend: scaled, de-duplicated, in the config's order."""
    out: list[int] = []
    for n in n_values:
        value = scaled_n(backend, n, n_scale)
        if value not in out:
            out.append(value)
    return out


def axis_values(config: Mapping, axis: axes_registry.Axis) -> list:
    """The values of one mode axis in this grid (its default when the config does not name it)."""
    value = config.get(axis.config_key, [axis.default])
    return [axis.parse(v) for v in (value if isinstance(value, list) else [value])]


#: Where the run hands the CPUs a trial may use to every job it starts (preflight.run sets it in the
#: Snakefile's process): a job on a cluster node re-reads the Snakefile, and must expand
#: ``thread_counts: [auto]`` to the same grid.
USABLE_CPUS_VARIABLE = "RTG_USABLE_CPUS"


def usable_cpus(cores: int | None, cluster_cpus: int | None = None) -> int:
    """The CPUs one trial may use: what the run that started this job decided, else the largest cluster
    node's (``cluster_cpus``), else this machine's within ``--cores``."""
    handed = os.environ.get(USABLE_CPUS_VARIABLE, "")
    if handed.isdigit() and int(handed) > 0:
        return int(handed)
    if cluster_cpus:
        return int(cluster_cpus)
    mine = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(mine, int(cores))) if cores else mine


def thread_counts(config: Mapping) -> list[int]:
    """The thread counts of the sweep (config ``thread_counts``, ``auto`` already expanded by preflight)."""
    return sorted({int(count) for count in config.get("thread_counts") or [] if str(count) != "auto"})


def backend_scenarios(config: Mapping, backend: str) -> list[str]:
    """The scenarios ``backend`` runs: those of ``scenarios`` made of its modes, then the thread-count sweep
    of each of its modes (kernels MODES), each once, in that order."""
    import kernels

    modes = kernels.modes_of(backend)
    out = [s for s in config["scenarios"] if set(scenarios.tokens(s)) <= set(modes)]
    for scenario in scenarios.sweep(modes, thread_counts(config)):
        if scenario not in out:
            out.append(scenario)
    return out


def all_scenarios(config: Mapping) -> list[str]:
    """Every scenario some backend of the grid runs, each once."""
    out: list[str] = []
    for backend in config["backends"]:
        out += [s for s in backend_scenarios(config, backend) if s not in out]
    return out


def trial_points(config: Mapping, interps: Mapping[str, dict]) -> dict[str, dict]:
    """trial path -> its point (backend, scenario, n, rep and every axis, by record field), in the grid's order:
    interpreter x executor x calls x switch interval x pinning x backend x scenario x n x rep."""
    points: dict[str, dict] = {}
    modes = itertools.product(*(axis_values(config, axis) for axis in axes_registry.MODE_AXES))
    reps = range(1, config["repetitions"] + 1)
    for (interpreter, info), mode in itertools.product(interps.items(), list(modes)):
        axes_of_point = {
            axes_registry.INTERPRETER.field: interpreter,
            **{axis.field: value for axis, value in zip(axes_registry.MODE_AXES, mode, strict=True)},
        }
        for backend in (b for b in config["backends"] if available(b, interpreter, interps)):
            n_values = backend_n_values(backend, config["n_values"], config.get("n_scale"))
            for scenario, n, rep in itertools.product(backend_scenarios(config, backend), n_values, reps):
                point = {"backend": backend, "scenario": scenario, "n": n, "rep": rep, **axes_of_point}
                points[axes_registry.trial_path(point, backend, scenario, n, rep, info["default"])] = point
    return points


def trial_paths(config: Mapping, interps: Mapping[str, dict]) -> list[str]:
    """Every trial file of the grid, in the grid's order (see :func:`trial_points`)."""
    return list(trial_points(config, interps))


def points_per_interpreter(config: Mapping) -> int:
    """Mode points of the grid (executor x calls x switch interval x pinning), counted without listing them."""
    return math.prod(len(axis_values(config, axis)) for axis in axes_registry.MODE_AXES)


def build_paths(config: Mapping, interps: Mapping[str, dict]) -> list[str]:
    """Every build manifest the grid needs."""
    return [build_path(b, i, interps) for i in interps for b in config["backends"] if available(b, i, interps)]
