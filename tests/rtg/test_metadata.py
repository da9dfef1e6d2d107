"""Trial metadata: the Slurm fields, read from the environment Slurm gives a job."""

import json
import os
import subprocess
import sys

from rtg import metadata
from tests.conftest import ROOT


def test_outside_slurm_every_scheduler_field_is_none():
    assert metadata.scheduler({"PATH": "/bin"}) == dict.fromkeys(metadata.SLURM_VARIABLES)


def test_inside_slurm_the_job_node_and_granted_cpus_are_recorded():
    env = {
        "SLURM_JOB_ID": "42",
        "SLURMD_NODENAME": "node7",
        "SLURM_JOB_PARTITION": "debug",
        "SLURM_CPUS_PER_TASK": "2",
        "SLURM_CPUS_ON_NODE": "2",
        "SLURM_STEP_ID": "0",
    }
    fields = metadata.scheduler(env)
    assert fields["slurm_job_id"] == "42"
    assert fields["slurm_node"] == "node7"
    assert fields["slurm_cpus_per_task"] == "2"
    assert fields["slurm_cpus_on_node"] == "2"
    assert fields["slurm_partition"] == "debug"


def test_machine_reads_the_real_process_environment():
    # A fresh interpreter with a Slurm-like environment: what a trial in a job sees.
    code = "import json; from rtg import metadata; print(json.dumps(metadata.machine()))"
    env = {**os.environ, "SLURM_JOB_ID": "9001", "SLURMD_NODENAME": "n1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    fields = json.loads(out.stdout)
    assert fields["slurm_job_id"] == "9001"
    assert fields["slurm_node"] == "n1"
    assert fields["affinity"] == sorted(os.sched_getaffinity(0))
