import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

sys.path.insert(0, workflow.basedir)

import kernels
from rtg.core import axes
from rtg.plan import grid
from rtg.plan import config as rtg_config
from rtg.analysis import cycles as cycle_analysis
from rtg.plan import cluster
from rtg.plan import preflight
from rtg.plan import order as trial_order
from rtg.trial import heartbeat, watchdog
from rtg.core.scenarios import PATTERN as SCENARIO_PATTERN

CONFIG_SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"

try:
    # Defaults, types, values, grid size and interpreters, all before any job: one paragraph, no traceback.
    # --cores (None under a cluster executor: the largest node's CPUs bound a trial's threads then).
    INTERPRETERS = preflight.run(
        config,
        CONFIG_SCHEMA,
        workflow.basedir,
        cores=workflow.resource_settings.cores,
        environ=os.environ,
    )
except rtg_config.ConfigError as error:
    sys.exit(f"Config error: {error}")
validate(config, CONFIG_SCHEMA)
for _gap in grid.not_available(config, INTERPRETERS):
    print(
        f"Note: backend {_gap['backend']} is not available on {_gap['interpreter']} ({_gap['reason']}); "
        f"its cells are left out and the report marks them 'not available'.",
        file=sys.stderr,
    )


wildcard_constraints:
    # Built-in backends and the user's kernels (kernel_paths, registered by preflight).
    backend="|".join(kernels.names()),
    scenario=SCENARIO_PATTERN,
    n=r"[1-9]\d*",
    rep=r"[1-9]\d*",
    mode=axes.MODE_PATTERN,
    interp=axes.INTERPRETER_PATTERN,
    group=r"trials\d+",


#: trial path -> the grid point it measures (rtg/plan/grid.py): each trial job's values come from here.
TRIAL_POINTS = grid.trial_points(config, INTERPRETERS)


def trial_files(wildcards=None):
    """Every trial of the configured grid: interpreter x mode axes x backend x scenario x n x repetition."""
    return list(TRIAL_POINTS)


def trial_point(wildcards, output):
    """The grid point of one trial job, by its output path (no value is parsed back out of the path)."""
    try:
        return TRIAL_POINTS[output.trial]
    except KeyError:
        raise WorkflowError(
            f"{output.trial} is not a trial of this grid (config.yaml and --config): "
            "add its values to the grid, or ask for the whole grid"
        ) from None


def aggregated_trials(wildcards=None):
    """The whole grid; with allow_partial only the trials already on disk (missing ones are listed, never imputed)."""
    files = trial_files()
    if config["allow_partial"]:
        return [path for path in files if Path(path).exists()]
    return files


def kernel_sources(backend):
    """A backend's sources. Inside the project: relative to the working directory, since absolute paths
    would make a moved or copied project look like a changed set of inputs and rebuild (and rerun)
    everything. Outside it (kernel_paths): absolute, as those files do not move with the project."""
    paths = [os.path.abspath(path) for path in kernels.sources(backend)]
    return [
        path if os.path.relpath(path).startswith("..") else os.path.relpath(path) for path in paths
    ]


def build_manifests(wildcards=None):
    """The build manifest of every configured backend, for every interpreter."""
    return grid.build_paths(config, INTERPRETERS)


def variant_manifest(wildcards):
    """The build a trial on non-default axes uses: its interpreter's."""
    return grid.build_path(wildcards.backend, wildcards.interp, INTERPRETERS)


def interpreter_executable(wildcards):
    """The Python executable behind an interpreter label."""
    return INTERPRETERS[wildcards.interp]["configured"]


def trial_threads(wildcards):
    """A trial occupies one core per worker thread, and one for the heartbeat under heartbeat: spare_cpu
    where a trial may use that many (a Slurm job can use only the CPUs it asked for)."""
    handed = os.environ.get(grid.USABLE_CPUS_VARIABLE, "")
    usable = int(handed) if handed.isdigit() else None
    return heartbeat.cpus_to_ask(config["heartbeat"], len(wildcards.scenario.split("+")), usable)


def timing_slot(wildcards=None):
    """1 keeps timing jobs apart (limit set in profiles/default); 0 lets them overlap."""
    return 1 if config["isolate_trials"] else 0


def trial_runtime(wildcards):
    """Cluster runtime (minutes), a few minutes above the in-trial time limit (a resource: no rerun)."""
    limit = watchdog.limit_seconds(
        config["trial_time_limit_s"],
        int(wildcards.n),
        trial_threads(wildcards),
        config["inner_repetitions"],
    )
    limit = watchdog.with_remeasurement(
        limit,
        config["remeasure"],
        config["remeasure_limit"],
        config["quiet_wait_limit_s"],
    )
    return watchdog.runtime_minutes(limit)


# A grouped cluster job runs its trials in a nested snakemake that gets neither
# the workflow profile nor --resources: without this cap it would run them in
# parallel. An explicit --resources timing_slot=... still wins.
if "timing_slot" not in workflow.global_resources:
    workflow.global_resources["timing_slot"] = 1

#: trial path -> priority: the interleaved rounds of rtg/plan/order.py (higher runs first).
TRIAL_PRIORITY = trial_order.priorities(TRIAL_POINTS, config["order_seed"])
#: Builds come before every trial, so no trial waits in the middle of a round.
BUILD_PRIORITY = len(TRIAL_PRIORITY) + 1

#: trial path -> cluster group id, only when trial_group_size > 1 (groups follow the rounds).
TRIAL_GROUPS = (
    trial_order.trial_groups(
        trial_order.interleaved(TRIAL_POINTS, config["order_seed"]),
        TRIAL_POINTS,
        config["trial_group_size"],
    )
    if config["trial_group_size"] > 1
    else {}
)
#: cluster group id -> its trial files (the inverse of TRIAL_GROUPS, built once).
GROUP_MEMBERS = {}
for _path, _group in TRIAL_GROUPS.items():
    GROUP_MEMBERS.setdefault(_group, []).append(_path)


def trial_path_of(wildcards):
    """The trial file of a trial job, default or axis path (rtg/plan/grid.py)."""
    tail = f"{wildcards.backend}/{wildcards.scenario}/n{wildcards.n}/rep{wildcards.rep}.json"
    mode = getattr(wildcards, "mode", None)
    if mode:
        return f"results/trials/{mode}/{wildcards.interp}/{tail}"
    return f"results/trials/{tail}"


def trial_priority(wildcards):
    """A trial's place in the interleaved rounds (rtg/plan/order.py); 0 outside the grid."""
    return TRIAL_PRIORITY.get(trial_path_of(wildcards), 0)


def trial_group(wildcards):
    """Cluster group of one trial (rtg/plan/order.py); others go alone."""
    return TRIAL_GROUPS.get(
        trial_path_of(wildcards),
        f"single-{wildcards.backend}-{wildcards.scenario}-n{wildcards.n}",
    )


def group_trial_files(wildcards):
    """The trial files of one cluster group id."""
    return GROUP_MEMBERS[wildcards.group]


def trial_group_files(wildcards=None):
    """One record per cluster group (none unless trial_group_size > 1)."""
    return [f"results/groups/{group}.json" for group in GROUP_MEMBERS]


#: backend -> what the report says about it (built-in or the user's file, check, bytes per iteration).
KERNEL_FACTS = {backend: kernels.facts(backend) for backend in config["backends"]}


def bandwidth_files(wildcards=None):
    """The machine's copy bandwidth, measured only when a backend declares its memory traffic."""
    if any(fact["bytes_per_iteration"] for fact in KERNEL_FACTS.values()):
        return ["results/bandwidth.json"]
    return []


def refuse_what_the_cluster_cannot_run():
    """Under a Slurm executor (called by onstart, before any submission): one Config error when a
    scenario needs more CPUs than the cluster's largest node has, instead of a job Slurm never starts.
    """
    plugin = workflow.executor_plugin
    if workflow.remote_exec or plugin is None or plugin.name not in cluster.SLURM_EXECUTORS:
        return
    nodes = cluster.slurm_nodes()
    if nodes is None:
        print(
            "Note: sinfo did not answer; the grid's CPUs per job were not checked against the nodes.",
            file=sys.stderr,
        )
        return
    try:
        cluster.check(cluster.needed_cpus(config, bool(bandwidth_files())), nodes)
    except rtg_config.ConfigError as error:
        sys.exit(f"Config error: {error}")


def earlier_run_files(wildcards=None):
    """The tables of each compare_with folder (read only): a changed earlier run redoes the comparison."""
    names = ("timings.csv", "runs.csv", "environment.json")
    return [
        os.path.join(folder, name)
        for folder in config["compare_with"]
        for name in names
        if os.path.exists(os.path.join(folder, name))
    ]


def comparison_files(wildcards=None):
    """The comparison's outputs, for the report, when compare_with names earlier runs."""
    if not config["compare_with"]:
        return []
    return [
        "results/compare.csv",
        "results/compare.json",
        "results/figures/compare.png",
    ]
