#!/usr/bin/env python3
"""Submit one Snakemake job script to Slurm with sbatch; print the Slurm job id.

Called by snakemake-executor-plugin-cluster-generic as ``submit.py JOBSCRIPT``. The job's
rule, threads and resources are read from the ``# properties = {...}`` line Snakemake
writes into every job script, and sbatch is called with an argument list: no job property
or config value ever passes through a shell. Standard library only, so it runs with
whatever Python runs Snakemake.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

#: Where Slurm writes each job's stdout/stderr (relative to the working directory).
LOG_DIR_ENV = "RTG_SLURM_LOGDIR"
DEFAULT_LOG_DIR = "results/logs/slurm"


def read_properties(jobscript: Path) -> dict:
    """The job properties Snakemake embeds in the job script as ``# properties = {json}``."""
    for line in Path(jobscript).read_text(encoding="utf-8").splitlines():
        if line.startswith("# properties = "):
            return json.loads(line[len("# properties = ") :])
    raise ValueError(f"{jobscript}: no '# properties = ' line (not a Snakemake job script?)")


def job_name(props: dict) -> str:
    """A short name squeue can show: the rule (or group) name, never wildcard values."""
    name = props.get("rule") or props.get("groupid") or "job"
    return f"rtg-{name}"


def sbatch_args(props: dict, jobscript: Path, log_dir: Path) -> list[str]:
    """The sbatch command line for one job, as an argument list."""
    resources = props.get("resources", {}) or {}
    threads = int(props.get("threads", 1) or 1)
    cpus = int(resources.get("cpus_per_task") or threads)
    args = [
        "sbatch",
        "--parsable",
        f"--job-name={job_name(props)}",
        f"--output={log_dir / (job_name(props) + '-%j.log')}",
        "--ntasks=1",
        f"--cpus-per-task={max(1, cpus)}",
    ]
    if resources.get("mem_mb"):
        args.append(f"--mem={int(resources['mem_mb'])}")
    if resources.get("runtime"):
        args.append(f"--time={int(resources['runtime'])}")
    if resources.get("slurm_partition"):
        args.append(f"--partition={resources['slurm_partition']}")
    if resources.get("slurm_account"):
        args.append(f"--account={resources['slurm_account']}")
    if resources.get("slurm_extra"):
        # Written by the user in the profile, split like a shell would, never run by one.
        args.extend(shlex.split(str(resources["slurm_extra"])))
    args.append(str(jobscript))
    return args


def parse_job_id(stdout: str) -> str:
    """``sbatch --parsable`` prints ``jobid`` or ``jobid;cluster``: keep the id."""
    first = stdout.strip().splitlines()[0] if stdout.strip() else ""
    job_id = first.split(";", 1)[0].strip()
    if not job_id.isdigit():
        raise ValueError(f"sbatch printed no job id: {stdout!r}")
    return job_id


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: submit.py JOBSCRIPT", file=sys.stderr)
        return 2
    jobscript = Path(argv[1])
    log_dir = Path(os.environ.get(LOG_DIR_ENV, DEFAULT_LOG_DIR))
    log_dir.mkdir(parents=True, exist_ok=True)  # Slurm fails the job if --output's folder is missing
    args = sbatch_args(read_properties(jobscript), jobscript, log_dir)
    done = subprocess.run(args, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"sbatch failed ({done.returncode}): {done.stderr.strip()}", file=sys.stderr)
        return done.returncode
    print(parse_job_id(done.stdout))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
