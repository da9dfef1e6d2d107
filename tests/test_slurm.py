"""Both cluster profiles, proven on a real single-node Slurm brought up for the session.

tools/slurm-local.sh starts munge, slurmctld and slurmd (Debian packages) with all
state in a temp folder and always tears them down, also when a test fails. Every
scheduler run is under `timeout -k`, so a scheduler problem fails a test instead of
hanging CI. Outside CI the tests skip (with the reason) where the daemons are not
installed; with CI=true they never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, copy_project

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

SCRIPT = ROOT / "tools" / "slurm-local.sh"
NEEDED = ("munged", "munge", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo")
BACKENDS = ["cython", "numba"]
SCENARIOS = ["gil", "nogil+gil"]
#: The issue's tiny grid: 2 backends x 2 scenarios x n = 2e6 x 1 repetition.
GRID = ["n_values=[2000000]", "repetitions=1", "backends=[cython,numba]", "scenarios=[gil,nogil+gil]"]
F_2E6 = "17141820111795327685"  # F(2_000_000) mod 2**64
#: Seconds one profile run may take before `timeout` kills snakemake (it needs ~60 s).
RUN_TIMEOUT_S = 600


def _unavailable() -> str | None:
    # The daemons live in /usr/sbin (tools/slurm-local.sh adds it to PATH too).
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    missing = [name for name in NEEDED if shutil.which(name, path=path) is None]
    if missing:
        return (
            f"Slurm daemons not installed (missing {', '.join(missing)}); "
            "install with: tools/slurm-local.sh --install up (Debian/Ubuntu, as root)"
        )
    if os.geteuid() != 0:
        return "the local Slurm runs its daemons as root; run the Slurm tests as root"
    return None


def _script(state: Path, command: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["timeout", "-k", "10", "120", "bash", str(SCRIPT), "--dir", str(state), *options, command],
        capture_output=True,
        text=True,
        check=False,
    )


def require_slurm() -> None:
    """Skip where the daemons are missing (never in CI, where that fails instead)."""
    reason = _unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the Slurm tests: {reason}")
        pytest.skip(reason)


# Module scope: the two-node cluster of tests/test_slurm_nodes.py needs this one down first
# (one local Slurm at a time owns /etc/slurm/slurm.conf).
@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory):
    """A running single-node Slurm; yields its state folder (slurm.conf, logs, jobcomp.log)."""
    require_slurm()
    state = tmp_path_factory.mktemp("slurm-state")
    try:
        up = _script(state, "up")
        assert up.returncode == 0, f"slurm-local.sh up failed:\n{up.stdout}\n{up.stderr}"
        yield state
    finally:
        down = _script(state, "down")
        again = _script(state, "down")
    # Checked after teardown ran in any case; a failure here shows as a teardown error.
    assert down.returncode == 0, f"slurm-local.sh down failed:\n{down.stdout}\n{down.stderr}"
    assert again.returncode == 0, f"a second down failed:\n{again.stdout}\n{again.stderr}"
    assert not (state / "slurmctld.pid").exists() and not (state / "slurmd.pid").exists()
    assert not Path("/etc/slurm/slurm.conf").is_symlink() or Path("/etc/slurm/slurm.conf").resolve() != (
        state / "slurm.conf"
    )


def jobcomp_records(state: Path) -> dict[str, dict[str, str]]:
    """Slurm's own record of finished jobs (jobcomp/filetxt): job id -> its fields."""
    path = state / "jobcomp.log"
    records: dict[str, dict[str, str]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = dict(word.split("=", 1) for word in line.split() if "=" in word)
            if "JobId" in fields:
                records[fields["JobId"]] = fields
    return records


@dataclass
class ProfileRun:
    profile: str
    workdir: Path
    result: subprocess.CompletedProcess
    wall_s: float
    new_jobs: dict[str, dict[str, str]]

    def output(self) -> str:
        return (self.result.stdout + self.result.stderr)[-6000:]

    def trials(self) -> list[dict]:
        paths = sorted((self.workdir / "results" / "trials").rglob("rep*.json"))
        return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


@pytest.fixture(scope="module", params=["slurm", "cluster-generic"])
def profile_run(request, slurm: Path, tmp_path_factory: pytest.TempPathFactory) -> ProfileRun:
    """The tiny grid through one profile, in a fresh copy of the project."""
    profile = request.param
    workdir = copy_project(tmp_path_factory.mktemp(profile) / "project")
    before = jobcomp_records(slurm)
    command = ["timeout", "-k", "10", str(RUN_TIMEOUT_S), sys.executable, "-m", "snakemake"]
    command += ["--profile", f"profiles/{profile}", "--config", *GRID]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.monotonic()
    result = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT_S + 30, check=False
    )
    wall_s = time.monotonic() - start
    print(f"tiny grid through profiles/{profile}: {wall_s:.1f} s wall")
    # Slurm may write a job's jobcomp record just after snakemake saw the job finish:
    # wait until the queue is empty and every job the run's files name has its record.
    named = {str(t["metadata"].get("slurm_job_id")) for t in ProfileRun(profile, workdir, result, 0, {}).trials()}
    named |= {
        str(json.loads(m.read_text(encoding="utf-8")).get("built_on", {}).get("slurm_job_id"))
        for m in (workdir / "results" / "build").rglob("manifest.json")
    }
    new_jobs = wait_for_jobcomp(slurm, before, named - {"None"})
    return ProfileRun(profile, workdir, result, wall_s, new_jobs)


def queue_is_empty() -> bool:
    """No job of this Slurm is pending, running or completing."""
    done = subprocess.run(["squeue", "-h"], capture_output=True, text=True, timeout=60, check=False)
    return done.returncode == 0 and not done.stdout.strip()


def wait_for_jobcomp(state: Path, before: dict, jobs: set[str], timeout_s: float = 60) -> dict[str, dict[str, str]]:
    """The jobcomp records new since ``before``, once the queue is empty and ``jobs`` all have one.

    Returns what is there at the deadline otherwise: the tests then fail naming the missing job.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        new = {job: fields for job, fields in jobcomp_records(state).items() if job not in before}
        if (jobs <= set(new) and queue_is_empty()) or time.monotonic() > deadline:
            return new
        time.sleep(0.2)


def test_the_tiny_grid_finishes_through_the_profile(profile_run):
    assert profile_run.result.returncode == 0, profile_run.output()
    assert profile_run.wall_s < RUN_TIMEOUT_S


def test_every_trial_ran_in_its_own_completed_slurm_job(profile_run):
    assert profile_run.result.returncode == 0, profile_run.output()
    trials = profile_run.trials()
    assert len(trials) == len(BACKENDS) * len(SCENARIOS)
    job_ids = [t["metadata"]["slurm_job_id"] for t in trials]
    assert all(job_ids), f"trials without SLURM_JOB_ID: {job_ids}"
    assert len(set(job_ids)) == len(job_ids), "two trials shared one Slurm job"
    for trial, job_id in zip(trials, job_ids, strict=True):
        record = profile_run.new_jobs.get(job_id)
        assert record is not None, f"job {job_id} is not in Slurm's jobcomp record of this run"
        assert record["JobState"] == "COMPLETED", record
        assert trial["metadata"]["slurm_node"] == socket.gethostname().split(".")[0]


def test_only_builds_and_trials_were_submitted_aggregation_stayed_local(profile_run):
    assert profile_run.result.returncode == 0, profile_run.output()
    # One Slurm job per backend build and per trial, plus the safety experiment (on by
    # default) and the clock calibration (build_calibration, calibrate: on a compute node);
    # `aggregate`, `cycles`, `report` and `all` are localrules.
    assert len(profile_run.new_jobs) == len(BACKENDS) + len(BACKENDS) * len(SCENARIOS) + 1 + 2, profile_run.new_jobs
    assert all(r["JobState"] == "COMPLETED" for r in profile_run.new_jobs.values())
    for backend in BACKENDS:
        manifest = json.loads((profile_run.workdir / "results" / "build" / backend / "manifest.json").read_text())
        assert manifest["built_on"]["slurm_job_id"] in profile_run.new_jobs


def test_each_trial_got_one_cpu_per_worker_thread_and_was_bound_to_them(profile_run):
    assert profile_run.result.returncode == 0, profile_run.output()
    for trial in profile_run.trials():
        meta = trial["metadata"]
        assert meta["slurm_cpus_on_node"] == str(trial["threads"]), meta
        # task/affinity narrows the trial to exactly the CPUs Slurm granted it.
        assert len(meta["affinity"]) == trial["threads"], meta
        assert sorted(r["cpu"] for r in trial["thread_records"]) == meta["affinity"]


def test_timings_has_one_correct_row_per_grid_point(profile_run):
    assert profile_run.result.returncode == 0, profile_run.output()
    timings = pd.read_csv(profile_run.workdir / "results" / "timings.csv", dtype={"result": str, "slurm_job_id": str})
    keys = set(timings[["backend", "scenario", "n", "rep"]].apply(tuple, axis=1))
    assert len(timings) == len(keys) == len(BACKENDS) * len(SCENARIOS)
    assert keys == {(b, s, 2_000_000, 1) for b in BACKENDS for s in SCENARIOS}
    assert timings["correct"].all()
    assert (timings["result"] == F_2E6).all()
    assert set(timings["slurm_job_id"]) <= set(profile_run.new_jobs)


def test_status_script_reports_a_failing_job_as_failed_and_a_good_one_as_success(slurm):
    status = [sys.executable, str(ROOT / "profiles" / "cluster-generic" / "status.py")]
    jobs = {}
    for name, command in [("good", "true"), ("bad", "exit 3")]:
        submitted = subprocess.run(
            ["sbatch", "--parsable", "--output=/dev/null", f"--job-name=rtg-status-{name}", f"--wrap={command}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        jobs[name] = submitted.stdout.strip().split(";")[0]
    answers = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answers = {
            name: subprocess.run([*status, job], capture_output=True, text=True, timeout=60, check=True).stdout.strip()
            for name, job in jobs.items()
        }
        if "running" not in answers.values():
            break
        time.sleep(0.5)
    assert answers == {"good": "success", "bad": "failed"}
    # The fallback source agrees: Slurm's jobcomp record of the same jobs.
    records = wait_for_jobcomp(slurm, {}, set(jobs.values()))
    assert records[jobs["good"]]["JobState"] == "COMPLETED"
    assert records[jobs["bad"]]["JobState"] == "FAILED"


def test_bring_up_script_reports_status_and_refuses_a_second_instance(slurm, tmp_path):
    status = _script(slurm, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "slurmctld: running" in status.stdout and "idle" in status.stdout
    second = _script(tmp_path / "other", "up")
    assert second.returncode != 0
    assert "already runs" in second.stderr
    assert _script(slurm, "status").returncode == 0  # the running one is untouched


def test_down_on_a_folder_that_never_ran_is_a_harmless_no_op(tmp_path):
    # Needs no Slurm at all: down only touches what a folder's pid files name.
    (tmp_path / "never").mkdir()
    for _ in range(2):
        down = _script(tmp_path / "never", "down")
        assert down.returncode == 0, down.stderr


def test_the_report_says_where_the_trials_ran(profile_run):
    assert profile_run.result.returncode == 0, profile_run.output()
    html = (profile_run.workdir / "results" / "report.html").read_text(encoding="utf-8")
    trials = len(BACKENDS) * len(SCENARIOS)
    assert f"{trials} under Slurm ({trials} jobs, node " in html


def test_auto_thread_counts_under_a_cluster_executor_take_the_largest_nodes_cpus(slurm, monkeypatch):
    # No --cores under a cluster executor (cores=None): [auto] asks sinfo, and hands the count to every job.
    import yaml

    from rtg.plan import cluster, grid, preflight

    monkeypatch.delenv(grid.USABLE_CPUS_VARIABLE, raising=False)
    nodes = cluster.slurm_nodes()
    assert nodes, "sinfo did not answer"
    largest = max(node.cpus for node in nodes)
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config.update(backends=["cython"], scenarios=[], thread_counts=["auto"], safety_experiment=False)
    environ: dict[str, str] = {}
    preflight.run(config, ROOT / "workflow" / "schemas" / "config.schema.yaml", ROOT, cores=None, environ=environ)
    assert config["thread_counts"] == list(range(1, largest + 1))
    assert environ == {grid.USABLE_CPUS_VARIABLE: str(largest)}
    # A count above the largest node is refused before any submission, as a two-thread scenario on one-CPU nodes is.
    too_many = {**config, "thread_counts": [largest + 1], "oversubscribe": True}
    with pytest.raises(preflight.rtg_config.ConfigError, match="largest node of this Slurm cluster"):
        cluster.check(cluster.needed_cpus(too_many), nodes)
