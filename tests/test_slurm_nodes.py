"""Both cluster profiles on a real two-node Slurm: trials spread over nodes, pinned, refused, per node.

tools/slurm-local.sh --nodes 2 runs each slurmd in its own network and UTS namespace
(hostnames node1 and node2), confined to its own CPU, on the shared filesystem. Every
scheduler run is under `timeout -k`; the cluster is always torn down, and the teardown
checks that no namespace, link, cgroup or daemon is left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import copy_project
from tests.test_slurm import RUN_TIMEOUT_S, _script, jobcomp_records, require_slurm, wait_for_jobcomp

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

NODES = {"node1", "node2"}
#: Single-thread scenarios only: every node has one CPU. n = 5e7 is about 14 ms per call.
GRID = [
    "backends=[cython]",
    "scenarios=[gil,nogil]",
    "n_values=[50000000]",
    "repetitions=3",
    "safety_experiment=false",
]


def cluster_leftovers() -> list[str]:
    """Network namespaces, links and cgroups of a local cluster that still exist."""
    left = []
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    left += [line.split()[0] for line in netns.splitlines() if line.startswith("rtg-node")]
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=False).stdout
    left += [line.split(":")[1].strip().split("@")[0] for line in links.splitlines() if ": rtg" in line]
    for root in (Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup")):
        if root.is_dir():
            left += [str(p) for p in root.glob("rtg-slurm-local-*")]
    return left


def local_cluster(state: Path, *options: str) -> Iterator[Path]:
    """Bring a multi-node local Slurm up with ``options``, yield its folder, always tear it down and check."""
    require_slurm()
    pids: list[int] = []
    try:
        up = _script(state, "up", *options)
        assert up.returncode == 0, f"slurm-local.sh up failed:\n{up.stdout}\n{up.stderr}"
        pids = [int(p.read_text()) for p in state.glob("slurmd-node*.pid")]
        assert len(pids) == 2, sorted(state.iterdir())
        yield state
    finally:
        down = _script(state, "down")
    assert down.returncode == 0, f"slurm-local.sh down failed:\n{down.stdout}\n{down.stderr}"
    assert cluster_leftovers() == []
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), f"slurmd {pid} still runs after down"
    assert not (state / "slurmctld.pid").exists()
    assert not Path("/etc/slurm/slurm.conf").is_symlink() or Path("/etc/slurm/slurm.conf").resolve() != (
        state / "slurm.conf"
    )


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from local_cluster(tmp_path_factory.mktemp("slurm-2nodes"), "--nodes", "2")


def run_profile(profile: str, workdir: Path, *config: str) -> tuple[subprocess.CompletedProcess, float]:
    """Snakemake with ``--profile`` in ``workdir`` (a path or a name under profiles/), under timeout."""
    command = ["timeout", "-k", "10", str(RUN_TIMEOUT_S), sys.executable, "-m", "snakemake"]
    command += ["--profile", profile, "--config", *config]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.monotonic()
    done = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT_S + 30, check=False
    )
    return done, time.monotonic() - start


def trials_of(workdir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((workdir / "results" / "trials").rglob("rep*.json"))]


def settle(state: Path, before: dict, workdir: Path) -> dict[str, dict[str, str]]:
    """Slurm's jobcomp records of the run, once every trial's job has one."""
    named = {str(t["metadata"]["slurm_job_id"]) for t in trials_of(workdir)}
    return wait_for_jobcomp(state, before, named)


@pytest.fixture(scope="module", params=["slurm", "cluster-generic"])
def spread_run(request, two_nodes: Path, tmp_path_factory: pytest.TempPathFactory):
    """The single-thread grid through one profile on two nodes."""
    workdir = copy_project(tmp_path_factory.mktemp(f"nodes-{request.param}") / "project")
    before = jobcomp_records(two_nodes)
    done, wall_s = run_profile(f"profiles/{request.param}", workdir, *GRID)
    print(f"two nodes, profiles/{request.param}: {wall_s:.1f} s wall")
    return request.param, workdir, done, settle(two_nodes, before, workdir)


def test_the_grid_ran_on_both_nodes_as_slurm_recorded_it(spread_run):
    profile, workdir, done, jobs = spread_run
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    trials = trials_of(workdir)
    assert len(trials) == 6 and all(t["correct"] for t in trials)
    assert {t["metadata"]["slurm_node"] for t in trials} == NODES
    for trial in trials:
        record = jobs[trial["metadata"]["slurm_job_id"]]
        assert record["JobState"] == "COMPLETED"
        assert record["NodeList"] == trial["metadata"]["slurm_node"], record  # Slurm's record and the trial agree
        assert trial["metadata"]["host"] == trial["metadata"]["slurm_node"]  # the node's own hostname
        # Each node is confined to its own CPU: node1 -> 0, node2 -> 1.
        assert trial["metadata"]["affinity"] == [int(trial["metadata"]["slurm_node"][-1]) - 1]
        assert trial["metadata"]["slurm_requested_nodes"] is None  # not pinned


def test_timings_and_the_report_show_the_trials_per_node(spread_run):
    profile, workdir, done, _ = spread_run
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    timings = pd.read_csv(workdir / "results" / "timings.csv")
    assert set(timings["slurm_node"]) == NODES
    assert timings["correct"].all()
    html = (workdir / "results" / "report.html").read_text(encoding="utf-8")
    assert '<section id="nodes">' in html
    assert "The 6 trials ran on 2 node(s): node1 (" in html
    assert "Not pinned: Slurm placed each trial where it had room, here on 2 nodes." in html
    assert '<table class="nodes-cells">' in html
    # Every (cell, node) pair of timings.csv is a row of the per-node table.
    assert (
        html.count("<td>node1</td>") + html.count("<td>node2</td>")
        >= timings.groupby(["scenario", "slurm_node"]).ngroups
    )


def pinned_profile(workdir: Path, slurm_extra: str) -> Path:
    """profiles/cluster-generic with the trials pinned by ``slurm_extra`` (its commented line, set)."""
    folder = workdir / "profiles" / "pinned"
    folder.mkdir()
    for name in ("submit.py", "status.py"):
        (folder / name).write_bytes((workdir / "profiles" / "cluster-generic" / name).read_bytes())
    settings = yaml.safe_load((workdir / "profiles" / "cluster-generic" / "config.yaml").read_text())
    settings["set-resources"]["trial"]["slurm_extra"] = slurm_extra
    settings["cluster-generic-submit-cmd"] = "python3 profiles/pinned/submit.py"
    settings["cluster-generic-status-cmd"] = "python3 profiles/pinned/status.py"
    (folder / "config.yaml").write_text(yaml.safe_dump(settings))
    return folder


@pytest.mark.parametrize(
    ("slurm_extra", "field", "asked", "said"),
    [
        (
            "--nodelist=node2",
            "slurm_requested_nodes",
            "node2",
            "Pinned to node2: every trial asked Slurm for that node list",
        ),
        # tools/slurm-local.sh gives each node the feature of the CPU it is confined to: node2 has cpu1.
        (
            "--constraint=cpu1",
            "slurm_constraint",
            "cpu1",
            "Pinned to nodes with cpu1: every trial asked Slurm for that feature",
        ),
    ],
)
def test_a_run_pinned_to_one_node_uses_only_that_node_and_says_so(two_nodes, tmp_path, slurm_extra, field, asked, said):
    workdir = copy_project(tmp_path / "project")
    profile = pinned_profile(workdir, slurm_extra)
    before = jobcomp_records(two_nodes)
    done, _ = run_profile(str(profile), workdir, *GRID)
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    jobs = settle(two_nodes, before, workdir)
    trials = trials_of(workdir)
    assert len(trials) == 6
    assert {t["metadata"]["slurm_node"] for t in trials} == {"node2"}
    assert {jobs[t["metadata"]["slurm_job_id"]]["NodeList"] for t in trials} == {"node2"}
    assert {t["metadata"][field] for t in trials} == {asked}
    html = (workdir / "results" / "report.html").read_text(encoding="utf-8")
    assert said in html


@pytest.mark.parametrize("profile", ["slurm", "cluster-generic"])
def test_a_two_thread_scenario_is_refused_before_anything_is_submitted(two_nodes, tmp_path, profile):
    workdir = copy_project(tmp_path / "project")
    before = jobcomp_records(two_nodes)
    done, wall_s = run_profile(f"profiles/{profile}", workdir, "scenarios=[gil,nogil+gil]", "n_values=[2000000]")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-4000:]
    assert "Config error: scenarios: scenario 'nogil+gil' needs 2 CPUs on one node" in output
    assert "the largest node of this Slurm cluster, node1, has 1 CPU" in output
    assert "Traceback" not in output
    assert wall_s < 60  # refused at once, never waiting on a job Slurm cannot start
    squeue = subprocess.run(["squeue", "-h"], capture_output=True, text=True, timeout=60, check=True)
    assert squeue.stdout.strip() == ""
    assert jobcomp_records(two_nodes).keys() == before.keys()  # nothing was submitted
    assert not (workdir / "results" / "trials").exists()
