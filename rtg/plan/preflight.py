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
import sys
from collections.abc import Mapping
from pathlib import Path

from rtg.build.interpreters import InterpreterError
from rtg.collect import integrity
from rtg.core import axes
from rtg.plan import config as rtg_config
from rtg.plan import grid
from rtg.plan.grid import backend_n_values
from rtg.trial import watchdog

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
    per_backend = sum(len(backend_n_values(b, config["n_values"], config.get("n_scale"))) for b in config["backends"])
    return (
        interpreters
        * grid.points_per_interpreter(config)
        * per_backend
        * len(config["scenarios"])
        * config["repetitions"]
    )


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
            f"x scenarios {len(config['scenarios'])} x n_values "
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


def run(config: dict, schema_path: Path, basedir: str | Path, running: str = sys.executable) -> dict[str, dict]:
    """Check and complete ``config`` in place; return the probed interpreters (label -> facts).

    Raises ``ConfigError`` for anything the user can fix.
    """
    schema = rtg_config.load_schema(schema_path)
    fill_defaults(config, schema)
    rtg_config.check(config, schema_path)
    try:
        integrity.check_config_paths(config, schema, basedir)
    except ValueError as error:
        raise rtg_config.ConfigError(str(error)) from None
    _check_kernels(config)
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
