"""Trial metadata: the Slurm fields, read from the environment Slurm gives a job."""

import json
import os
import subprocess
import sys

from rtg.trial import metadata
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
    code = "import json; from rtg.trial import metadata; print(json.dumps(metadata.machine()))"
    env = {**os.environ, "SLURM_JOB_ID": "9001", "SLURMD_NODENAME": "n1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    fields = json.loads(out.stdout)
    assert fields["slurm_job_id"] == "9001"
    assert fields["slurm_node"] == "n1"
    assert fields["affinity"] == sorted(os.sched_getaffinity(0))


def test_what_a_job_asked_slurm_for_is_read_from_scontrol_show_job():
    # One line of `scontrol show job -o` (Slurm 22.05), shortened.
    line = (
        "JobId=7 JobName=rtg-trial UserId=root(0) Partition=debug ReqNodeList=node1 ExcNodeList=(null) "
        "NodeList=node1 Features=zen4 NumCPUs=1"
    )
    assert metadata.parse_job_record(line) == {"slurm_requested_nodes": "node1", "slurm_constraint": "zen4"}
    unpinned = "JobId=8 ReqNodeList=(null) NodeList=node2 Features=(null)"
    assert metadata.parse_job_record(unpinned) == {"slurm_requested_nodes": None, "slurm_constraint": None}


def test_outside_slurm_nothing_is_asked_of_scontrol():
    assert metadata.slurm_request(None) == {"slurm_requested_nodes": None, "slurm_constraint": None}
