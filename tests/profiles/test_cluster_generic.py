"""The cluster-generic profile's helper scripts, without a scheduler.

The same scripts run against a real Slurm in tests/test_slurm.py; here their
pure parts (job script parsing, sbatch arguments, state mapping, the jobcomp
file) are pinned down on inputs in Snakemake's and Slurm's real formats.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "profiles" / "cluster-generic"


def load(name: str):
    """Import a profile script by path (profiles/ is not a package: users copy it)."""
    spec = importlib.util.spec_from_file_location(f"cluster_generic_{name}", PROFILE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


submit = load("submit")
status = load("status")

#: Two records as slurmctld's jobcomp/filetxt plugin writes them (Slurm 22.05).
JOBCOMP = (
    "JobId=7 UserId=root(0) GroupId=root(0) Name=rtg-trial JobState=COMPLETED Partition=debug "
    "TimeLimit=30 StartTime=2026-11-26T11:01:50 EndTime=2026-11-26T11:01:51 NodeList=vm NodeCnt=1 "
    "ProcCnt=1 WorkDir=/tmp ReservationName= Tres=cpu=1,mem=1000M,node=1,billing=1 Account= QOS= "
    "WcKey= Cluster=unknown SubmitTime=2026-11-26T11:01:47 EligibleTime=2026-11-26T11:01:47 "
    "DerivedExitCode=0:0 ExitCode=0:0 \n"
    "JobId=71 UserId=root(0) GroupId=root(0) Name=wrap JobState=FAILED Partition=debug "
    "TimeLimit=UNLIMITED NodeList=vm ExitCode=1:0 \n"
)


def jobscript(tmp_path: Path, properties: dict) -> Path:
    """A job script laid out like Snakemake's: shebang, properties line, command."""
    path = tmp_path / "snakejob.trial.3.sh"
    path.write_text(f"#!/bin/sh\n# properties = {json.dumps(properties)}\ncd /x && python -m snakemake\n")
    return path


def test_properties_are_read_from_the_job_script(tmp_path):
    props = {"type": "single", "rule": "trial", "threads": 2, "resources": {"mem_mb": 1000}}
    assert submit.read_properties(jobscript(tmp_path, props)) == props


def test_a_file_without_properties_is_refused(tmp_path):
    path = tmp_path / "x.sh"
    path.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(ValueError, match="properties"):
        submit.read_properties(path)


def test_sbatch_asks_one_cpu_per_thread_and_the_resources(tmp_path):
    props = {"rule": "trial", "threads": 2, "resources": {"mem_mb": 1000, "runtime": 30, "timing_slot": 0}}
    script = jobscript(tmp_path, props)
    args = submit.sbatch_args(props, script, tmp_path / "logs")
    assert args[:2] == ["sbatch", "--parsable"]
    assert "--cpus-per-task=2" in args
    assert "--ntasks=1" in args
    assert "--mem=1000" in args
    assert "--time=30" in args
    assert "--job-name=rtg-trial" in args
    assert f"--output={tmp_path / 'logs' / 'rtg-trial-%j.log'}" in args
    assert args[-1] == str(script)
    assert not any(a.startswith(("--partition", "--account")) for a in args)


def test_cpus_per_task_partition_account_and_extra_are_passed_as_separate_words(tmp_path):
    props = {
        "rule": "trial",
        "threads": 1,
        "resources": {
            "cpus_per_task": 3,
            "slurm_partition": "compute",
            "slurm_account": "proj; rm -rf /",
            "slurm_extra": "--exclusive --hint=nomultithread",
        },
    }
    args = submit.sbatch_args(props, jobscript(tmp_path, props), tmp_path)
    assert "--cpus-per-task=3" in args
    assert "--partition=compute" in args
    # One argv word: a shell never sees it, so the ';' is just part of a (bad) account name.
    assert "--account=proj; rm -rf /" in args
    assert args[-3:-1] == ["--exclusive", "--hint=nomultithread"]


def test_job_names_never_carry_wildcard_values():
    assert submit.job_name({"rule": "build", "wildcards": {"backend": "x y"}}) == "rtg-build"
    assert submit.job_name({"groupid": "g1", "type": "group"}) == "rtg-g1"


@pytest.mark.parametrize(("stdout", "job_id"), [("42\n", "42"), ("42;cluster1\n", "42")])
def test_parsable_sbatch_output_gives_the_job_id(stdout, job_id):
    assert submit.parse_job_id(stdout) == job_id


def test_sbatch_output_without_an_id_is_an_error():
    with pytest.raises(ValueError):
        submit.parse_job_id("sbatch: error: Batch job submission failed\n")


@pytest.mark.parametrize(
    ("state", "word"),
    [
        ("PENDING", "running"),
        ("RUNNING", "running"),
        ("COMPLETING", "running"),
        ("COMPLETED", "success"),
        ("FAILED", "failed"),
        ("CANCELLED by 0", "failed"),
        ("TIMEOUT", "failed"),
        ("OUT_OF_MEMORY", "failed"),
        ("NODE_FAIL", "failed"),
        ("", "failed"),
    ],
)
def test_slurm_states_map_to_snakemakes_three_words(state, word):
    assert status.classify(state) == word


def test_jobcomp_records_are_found_by_exact_job_id(tmp_path):
    path = tmp_path / "jobcomp.log"
    path.write_text(JOBCOMP)
    assert status.jobcomp_state("7", path) == "COMPLETED"
    assert status.jobcomp_state("71", path) == "FAILED"  # not confused with JobId=7
    assert status.jobcomp_state("1", path) is None
    assert status.jobcomp_state("7", tmp_path / "missing.log") is None
    assert status.jobcomp_state("7", None) is None


def test_the_jobcomp_path_can_be_given_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(status.JOBCOMP_ENV, str(tmp_path / "jc.log"))
    assert status.jobcomp_path() == tmp_path / "jc.log"


def test_profile_commands_point_at_these_scripts():
    import yaml

    config = yaml.safe_load((PROFILE / "config.yaml").read_text())
    for key, script in [("cluster-generic-submit-cmd", "submit.py"), ("cluster-generic-status-cmd", "status.py")]:
        words = shlex.split(config[key])
        assert words[-1] == f"profiles/cluster-generic/{script}"
        assert (ROOT / words[-1]).is_file()
