"""Every check that must pass before Snakemake plans a single job.

``common.smk`` calls ``run`` once. Whatever the user wrote (config.yaml,
``--config``, ``--configfile``) either passes, with defaults filled in and
text turned into numbers, or stops the workflow with one ``Config error:``
paragraph that names the key and what is allowed. A traceback here is a bug
of the pipeline, never the user's input.
"""

from __future__ import annotations

import copy
import math
import os
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from rtg.build.interpreters import InterpreterError
from rtg.collect import integrity
from rtg.core import axes, scenarios
from rtg.plan import cluster, grid
from rtg.plan import config as rtg_config
from rtg.plan.grid import backend_n_values
from rtg.trial import heartbeat, watchdog

#: Trials in one run at most: Snakemake plans every job up front (about 1.4 ms each, docs/benchmarks.md),
#: so a larger grid would sit in planning for minutes; split such a sweep into several runs.
MAX_TRIALS = 100_000
#: The largest loop length the kernels take (Numba's int64).
MAX_N = 2**63 - 1


def fill_defaults(config: dict, schema: Mapping) -> None:
    """Give every absent key its schema default, as Snakemake's ``validate`` does."""
    for key, spec in schema.get("properties", {}).items():
        if key not in config and "default" in spec:
            config[key] = copy.deepcopy(spec["default"])


def _check_kernels(config: Mapping) -> None:
    """The user's kernel folders, every kernel module in them, and backend names that exist.

    Registers the folders (``kernels.use_paths``), so that this process and every
    job it starts load the same kernels.
    """
    import kernels

    for folder in config["kernel_paths"]:
        if not Path(folder).expanduser().is_dir():
            raise rtg_config.ConfigError(
                f"Invalid config value 'kernel_paths': {folder!r} is not a folder (relative paths are relative to "
                f"the working directory, {Path.cwd()}); give folders that hold your kernel modules."
            )
    found = kernels.use_paths(config["kernel_paths"])
    for backend, file in found.items():
        problems = kernels.problems(backend)
        if problems:
            raise rtg_config.ConfigError(
                f"Invalid config value 'kernel_paths': the kernel {file} cannot be a backend: {'; '.join(problems)}. "
                f"A kernel module defines SOURCES (a list of existing files), USES_CFLAGS, build(build_dir, cflags) "
                f"and entry_point(mode, build_dir) (see kernels/__init__.py and examples/kernels); name helper "
                f"modules _like_this.py."
            )
    allowed = kernels.names()
    for key, names in (("backends", config["backends"]), ("n_scale", list(config.get("n_scale") or {}))):
        unknown = [name for name in names if name not in allowed]
        if unknown:
            raise rtg_config.ConfigError(
                f"Invalid config value '{key}': unknown backend {unknown[0]!r}; allowed: {', '.join(allowed)} "
                f"(a kernel of your own: put its module in a folder listed in kernel_paths)."
            )


def _check_numbers(config: Mapping) -> None:
    """Finite factors and limits: YAML's .inf and .nan pass a schema's ``> 0``."""
    try:
        watchdog.limit_seconds(config["trial_time_limit_s"], 1, 1)
    except ValueError as error:
        raise rtg_config.ConfigError(f"Invalid config value 'trial_time_limit_s': {error}.") from None
    for backend, scale in (config.get("n_scale") or {}).items():
        if not math.isfinite(scale):
            raise rtg_config.ConfigError(
                f"Invalid config value 'n_scale'[{backend!r}] = {scale!r}: n_scale must be a finite factor > 0."
            )
        for n in config["n_values"]:
            if float(n) * scale > MAX_N:
                raise rtg_config.ConfigError(
                    f"Invalid config value 'n_scale'[{backend!r}] = {scale!r}: it makes n = {n} into "
                    f"{float(n) * scale:.3g} for {backend}, above the largest loop length 2^63 - 1; "
                    f"lower the factor or n_values."
                )


def trial_count(config: Mapping, interpreters: int) -> int:
    """Trials in the grid, counted without listing them."""
    per_backend = sum(
        len(backend_n_values(b, config["n_values"], config.get("n_scale"))) * len(grid.backend_scenarios(config, b))
        for b in config["backends"]
    )
    return interpreters * grid.points_per_interpreter(config) * per_backend * config["repetitions"]


def _usable_cpus(cores: int | None) -> tuple[int, str]:
    """The CPUs a trial may use, and where that number comes from (for the messages)."""
    if os.environ.get(grid.USABLE_CPUS_VARIABLE, "").isdigit():
        return grid.usable_cpus(cores), "as the run that started this job decided"
    if cores is None:  # a cluster executor: no --cores; a trial gets at most the largest node
        nodes = cluster.slurm_nodes()
        if nodes:
            largest = max(nodes, key=lambda node: node.cpus)
            return grid.usable_cpus(None, largest.cpus), f"the largest node of this Slurm cluster, {largest.name}"
    return grid.usable_cpus(cores), "the CPUs this process may use" + (f", within --cores {cores}" if cores else "")


def _check_scenarios(config: dict, cores: int | None) -> int | None:
    """Expand ``thread_counts: [auto]``, refuse thread counts above the usable CPUs (unless ``oversubscribe``),
    and make sure every scenario is made of some backend's modes and every backend has a scenario."""
    import kernels

    counts = list(config.get("thread_counts") or [])
    usable = None
    if counts or config.get("heartbeat") == heartbeat.SPARE_CPU:  # spare_cpu asks for a CPU more where one fits
        usable, where = _usable_cpus(cores)
    if counts:
        if "auto" in counts:
            if len(counts) > 1:
                raise rtg_config.ConfigError(
                    f"Invalid config value 'thread_counts': {counts!r}; auto stands alone ([auto]: 1 to the "
                    f"{usable} CPUs a trial may use here), or give the counts themselves, e.g. [1, 2, 4]."
                )
            counts = list(range(1, usable + 1))
            config["thread_counts"] = counts  # the grid, the report and every job see the numbers
        above = [count for count in counts if count > usable]
        if above and not config.get("oversubscribe"):
            raise rtg_config.ConfigError(
                f"Invalid config value 'thread_counts': {_counts(above)} more than the {usable} CPUs a trial may "
                f"use ({where}). Allowed: 1 to {usable}, or [auto]; or set oversubscribe: true to run them "
                f"anyway: the report then flags those cells oversubscribed, since threads sharing a CPU "
                f"cannot show how the code scales."
            )
    elif not config["scenarios"]:
        raise rtg_config.ConfigError(
            "Invalid config value 'scenarios': it is empty and thread_counts is [] too, so there is nothing to "
            "run; give scenarios (e.g. [gil, nogil+gil], or [call, call+call] for a kernel with MODES = "
            "('call',)) or thread_counts (e.g. [auto])."
        )
    modes = {backend: kernels.modes_of(backend) for backend in config["backends"]}
    offered = "; ".join(f"{backend}: {', '.join(m)}" for backend, m in modes.items())
    for scenario in config["scenarios"]:
        if not any(set(scenarios.tokens(scenario)) <= set(m) for m in modes.values()):
            raise rtg_config.ConfigError(
                f"Invalid config value 'scenarios': no backend offers every mode of {scenario!r}; each token "
                f"must be a mode of one backend (its MODES), and the backends here offer {offered}."
            )
    idle = [backend for backend in config["backends"] if not grid.backend_scenarios(config, backend)]
    if idle:
        raise rtg_config.ConfigError(
            f"Invalid config value 'scenarios': none is made of the modes of {', '.join(idle)} ({offered}); add "
            f"such scenarios, or thread_counts (e.g. [1, 2]), which sweeps every backend's own modes."
        )
    return usable


def _counts(counts: list[int]) -> str:
    if len(counts) == 1:
        return f"T = {counts[0]} threads is"
    return f"T = {', '.join(map(str, counts))} threads are"


def _check_calls(config: Mapping) -> None:
    """Every k of calls_per_thread divides every (scaled) n: each call runs n/k iterations."""
    for k in grid.axis_values(config, axes.CALLS):
        for backend in config["backends"]:
            for n in backend_n_values(backend, config["n_values"], config.get("n_scale")):
                if n % k:
                    raise rtg_config.ConfigError(
                        f"Invalid config value 'calls_per_thread': k = {k} does not divide n = {n} ({backend}); "
                        f"each thread makes k calls of n/k iterations, so every k must divide every n in "
                        f"n_values (after n_scale): pick k from the divisors of n, e.g. 10, 100 or 1000 for n = 1e8."
                    )


def _check_grid_size(config: Mapping) -> None:
    interpreters = max(1, len(config["interpreters"]))
    count = trial_count(config, interpreters)
    if count > MAX_TRIALS:
        raise rtg_config.ConfigError(
            f"The grid has {count:,} trials (interpreters {interpreters} x "
            + "".join(f"{axis.config_key} {len(grid.axis_values(config, axis))} x " for axis in axes.MODE_AXES)
            + f"backends {len(config['backends'])} "
            f"x scenarios {len(grid.all_scenarios(config))} x n_values "
            f"{len(config['n_values'])} x repetitions {config['repetitions']}); one run takes at most "
            f"{MAX_TRIALS:,}: lower 'repetitions' or 'n_values', or split the sweep into several runs."
        )


def _check_earlier_runs(config: Mapping, basedir: str | Path) -> None:
    """Each ``compare_with`` folder is a readable results folder whose trial files pass the integrity check."""
    from rtg.analysis import compare

    for folder in config.get("compare_with") or []:
        problems = compare.folder_problems(folder, current=Path("results"))
        if problems:
            raise rtg_config.ConfigError(f"Invalid config value 'compare_with': {'; '.join(problems)}.")
        try:
            compare.load(folder, verify=True)
        except compare.CompareError as error:
            raise rtg_config.ConfigError(f"Invalid config value 'compare_with': {error}") from None


def run(
    config: dict,
    schema_path: Path,
    basedir: str | Path,
    running: str = sys.executable,
    cores: int | None = None,
    environ: MutableMapping[str, str] | None = None,
) -> dict[str, dict]:
    """Check and complete ``config`` in place; return the probed interpreters (label -> facts).

    ``cores`` is Snakemake's ``--cores`` (None under a cluster executor: the largest node's CPUs bound a
    trial then). The CPUs a trial may use, when the grid needed them, go into ``environ`` (the Snakefile
    passes ``os.environ``), so every job the run starts expands the same grid. Raises ``ConfigError`` for
    anything the user can fix.
    """
    schema = rtg_config.load_schema(schema_path)
    fill_defaults(config, schema)
    rtg_config.check(config, schema_path)
    try:
        integrity.check_config_paths(config, schema, basedir)
    except ValueError as error:
        raise rtg_config.ConfigError(str(error)) from None
    _check_kernels(config)
    usable = _check_scenarios(config, cores)
    if usable is not None and environ is not None:
        environ[grid.USABLE_CPUS_VARIABLE] = str(usable)
    _check_numbers(config)
    _check_calls(config)
    _check_grid_size(config)
    _check_earlier_runs(config, basedir)
    try:
        extra = ["gilknocker"] if config.get("heartbeat") else []
        return grid.resolve(config["interpreters"], config["backends"], running, extra)
    except InterpreterError as error:
        where = "Invalid config value 'interpreters'" if config["interpreters"] else "Config 'backends' cannot run"
        raise rtg_config.ConfigError(f"{where}: {error}.") from None
