"""What machine and interpreter a trial ran on, read cheaply inside the trial.

Everything here is read outside the timed region. It avoids heavy imports
(no pandas, no importlib.metadata scans): package versions come from the build
manifest, which the build rule recorded once.
"""

from __future__ import annotations

import os
import platform
import socket
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


def machine() -> dict[str, object]:
    """Host facts recorded with every trial, and the Slurm job it ran in (if any)."""
    return {
        "host": socket.gethostname(),
        "cpu_model": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "affinity": affinity(),
        "platform": platform.platform(),
        **scheduler(),
    }
