import os
import sys
from pathlib import Path

from snakemake.utils import validate

sys.path.insert(0, workflow.basedir)

import kernels
from kernels import BACKENDS
from rtg import config as rtg_config
from rtg import integrity, watchdog
from rtg.scenarios import PATTERN as SCENARIO_PATTERN

CONFIG_SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"

try:
    rtg_config.check(config, CONFIG_SCHEMA)
except rtg_config.ConfigError as error:
    # A plain exit prints the one-paragraph message without a traceback.
    sys.exit(f"Config error: {error}")
validate(config, CONFIG_SCHEMA)
try:
    integrity.check_config_paths(config, rtg_config.load_schema(CONFIG_SCHEMA), workflow.basedir)
except ValueError as error:
    sys.exit(f"Config error: {error}")


wildcard_constraints:
    backend="|".join(BACKENDS),
    scenario=SCENARIO_PATTERN,
    n=r"[1-9]\d*",
    rep=r"[1-9]\d*",


def trial_files(wildcards=None):
    """Every trial of the configured grid: backend x scenario x n x repetition."""
    return expand(
        "results/trials/{backend}/{scenario}/n{n}/rep{rep}.json",
        backend=config["backends"],
        scenario=config["scenarios"],
        n=config["n_values"],
        rep=range(1, config["repetitions"] + 1),
    )


def aggregated_trials(wildcards=None):
    """The whole grid; with allow_partial only the trials already on disk (missing ones are listed, never imputed)."""
    files = trial_files()
    if config["allow_partial"]:
        return [path for path in files if Path(path).exists()]
    return files


def kernel_sources(backend):
    """A backend's sources relative to the working directory: absolute paths would make a moved
    or copied project look like a changed set of inputs and rebuild (and rerun) everything."""
    return [os.path.relpath(path) for path in kernels.sources(backend)]


def build_manifests(wildcards=None):
    """The build manifest of every configured backend."""
    return expand("results/build/{backend}/manifest.json", backend=config["backends"])


def trial_threads(wildcards):
    """A trial occupies one core per worker thread."""
    return len(wildcards.scenario.split("+"))


def timing_slot(wildcards=None):
    """1 keeps timing jobs apart (limit set in profiles/default); 0 lets them overlap."""
    return 1 if config["isolate_trials"] else 0


def trial_runtime(wildcards):
    """Cluster runtime (minutes), a few minutes above the in-trial time limit (a resource: no rerun)."""
    limit = watchdog.limit_seconds(
        config["trial_time_limit_s"], int(wildcards.n), trial_threads(wildcards)
    )
    return watchdog.runtime_minutes(limit)
