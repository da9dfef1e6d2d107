"""What machine and interpreter a trial ran on, read cheaply inside the trial.

Everything here is read outside the timed region. It avoids heavy imports
(no pandas, no importlib.metadata scans): package versions come from the build
manifest, which the build rule recorded once.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from functools import lru_cache


@lru_cache(maxsize=1)
def cpu_model() -> str:
    """The ``model name`` line of /proc/cpuinfo, or platform.processor() elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def affinity() -> list[int]:
    """CPUs this process may run on (all logical CPUs where the OS cannot say)."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def loadavg() -> list[float]:
    """1-, 5- and 15-minute load averages: shows other work on the machine."""
    try:
        return [round(x, 3) for x in os.getloadavg()]
    except OSError:
        return []


def interpreter() -> dict[str, object]:
    """Python version, build and whether the GIL is on right now."""
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return {
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "python_executable": sys.executable,
        "gil_disabled_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": is_gil_enabled() if is_gil_enabled else True,
        "switch_interval": sys.getswitchinterval(),
    }


#: Trial metadata key -> the environment variable Slurm sets in a job (and its steps).
SLURM_VARIABLES: dict[str, str] = {
    "slurm_job_id": "SLURM_JOB_ID",
    "slurm_node": "SLURMD_NODENAME",
    "slurm_partition": "SLURM_JOB_PARTITION",
    "slurm_cpus_per_task": "SLURM_CPUS_PER_TASK",
    "slurm_cpus_on_node": "SLURM_CPUS_ON_NODE",
    "slurm_step_id": "SLURM_STEP_ID",
}


def scheduler(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Where a batch scheduler ran this trial: Slurm job id, node and granted CPUs.

    All values are None outside Slurm. The CPUs the trial could actually use are
    ``affinity`` (Slurm's task/affinity or cgroup plugin narrows it to the job's
    allocation); ``slurm_cpus_on_node`` is what Slurm granted, so a site that does
    not bind jobs shows up as an affinity wider than the grant.
    """
    env = os.environ if environ is None else environ
    return {key: env.get(variable) or None for key, variable in SLURM_VARIABLES.items()}


#: Trial metadata key -> the field of ``scontrol show job`` that says what the job asked for.
SLURM_REQUEST_FIELDS: dict[str, str] = {
    "slurm_requested_nodes": "ReqNodeList",  # sbatch --nodelist
    "slurm_constraint": "Features",  # sbatch --constraint (node features, e.g. a CPU model)
}


def parse_job_record(text: str) -> dict[str, str | None]:
    """The request fields of one ``scontrol show job -o`` line; Slurm's "(null)" becomes None."""
    fields = dict(word.split("=", 1) for word in text.split() if "=" in word)
    out: dict[str, str | None] = {}
    for key, field in SLURM_REQUEST_FIELDS.items():
        value = fields.get(field)
        out[key] = None if value in (None, "", "(null)") else value
    return out


def slurm_request(job_id: str | None, timeout_s: float = 10.0) -> dict[str, str | None]:
    """What the trial's job asked Slurm for (a node list, a constraint), so the report can say
    whether a run was pinned to one node or one kind of node. Read once, after the timed
    region; None everywhere outside Slurm or when ``scontrol`` cannot answer."""
    empty: dict[str, str | None] = dict.fromkeys(SLURM_REQUEST_FIELDS)
    if not job_id:
        return empty
    try:
        done = subprocess.run(
            ["scontrol", "show", "job", "-o", str(job_id)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return empty
    return parse_job_record(done.stdout) if done.returncode == 0 else empty


def machine() -> dict[str, object]:
    """Host facts recorded with every trial, and the Slurm job it ran in (if any)."""
    where = scheduler()
    return {
        "host": socket.gethostname(),
        "cpu_model": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "affinity": affinity(),
        "platform": platform.platform(),
        **where,
        **slurm_request(where["slurm_job_id"]),
    }
