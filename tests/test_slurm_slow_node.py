"""A real two-node Slurm whose node2 is slowed (its slurmd and jobs under a 25 % CPU quota).

A quarter of a CPU keeps node2 at least twice as slow as node1 also when other programs load
the machine (node1 then gets about half a CPU), so the test holds on a busy machine too.

The cells that ran on both nodes must come out as "mixed nodes", with medians, ratios and
claims computed per node, never pooled; the report must say the nodes differ and by how much.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import copy_project
from tests.test_slurm import jobcomp_records
from tests.test_slurm_nodes import NODES, local_cluster, run_profile, settle, trials_of

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

#: Enough trials that node2 (slow, so it finishes fewer jobs) still runs several of them.
GRID = [
    "backends=[cython]",
    "scenarios=[gil,nogil]",
    "n_values=[50000000]",
    "repetitions=10",
    "safety_experiment=false",
]
QUOTA_PERCENT = 25


@pytest.fixture(scope="module")
def slowed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("slurm-slow-node")
    yield from local_cluster(state, "--nodes", "2", "--cpu-quota", f"node2={QUOTA_PERCENT}")


@pytest.fixture(scope="module")
def slow_run(slowed: Path, tmp_path_factory: pytest.TempPathFactory):
    workdir = copy_project(tmp_path_factory.mktemp("slow-node") / "project")
    before = jobcomp_records(slowed)
    done, wall_s = run_profile("profiles/cluster-generic", workdir, *GRID)
    print(f"two nodes, node2 at {QUOTA_PERCENT} % CPU, profiles/cluster-generic: {wall_s:.1f} s wall")
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    settle(slowed, before, workdir)
    return workdir


def shared_cells(timings: pd.DataFrame) -> pd.DataFrame:
    """Per cell that ran on both nodes: node1's and node2's median wall time."""
    medians = timings.pivot_table(
        index=["backend", "scenario"], columns="slurm_node", values="wall_s", aggfunc="median"
    )
    return medians.dropna()


def test_the_slowed_node_really_ran_slower(slow_run):
    timings = pd.read_csv(slow_run / "results" / "timings.csv")
    assert set(timings["slurm_node"]) == NODES
    assert timings["correct"].all()
    both = shared_cells(timings)
    assert len(both) >= 1, "no cell ran on both nodes"
    assert ((both["node2"] / both["node1"]) > 1.5).all(), both
    assert len(trials_of(slow_run)) == 20


def test_cells_on_both_nodes_are_mixed_and_never_pooled(slow_run):
    timings = pd.read_csv(slow_run / "results" / "timings.csv")
    both = shared_cells(timings)
    summary = pd.read_csv(slow_run / "results" / "summary.csv")
    assert set(summary["node_group"]) == NODES
    # One summary row per cell and node, each holding only that node's trials.
    for (backend, scenario), _ in both.iterrows():
        rows = summary[(summary["backend"] == backend) & (summary["scenario"] == scenario)]
        counts = timings[(timings["backend"] == backend) & (timings["scenario"] == scenario)].groupby("slurm_node")
        assert dict(zip(rows["node_group"], rows["count"], strict=True)) == counts.size().to_dict()
    claims = pd.read_csv(slow_run / "results" / "claims.csv")
    contexts = " ".join(claims["context"].dropna())
    assert "node_group=node1" in contexts and "node_group=node2" in contexts


def test_the_report_says_the_nodes_differ_and_flags_each_mixed_cell(slow_run):
    timings = pd.read_csv(slow_run / "results" / "timings.csv")
    both = shared_cells(timings)
    html = (slow_run / "results" / "report.html").read_text(encoding="utf-8")
    assert "node1 and node2 measurably differ: in the cells both ran, trials on node2 took" in html
    assert "The trials came from nodes that must not be pooled" in html  # in the answer
    # Every row of a mixed cell is marked: one per node of each cell that ran on both.
    assert html.count('class="flag-warning mixed-nodes"') == 2 * len(both)
    assert html.count("<td>mixed nodes</td>") >= len(both)  # the flags table, one per cell
