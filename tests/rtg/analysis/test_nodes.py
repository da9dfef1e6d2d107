"""Node-aware statistics (rtg/analysis/nodes.py): compare nodes, flag mixed cells, never pool differing nodes.

The tables are the pipeline's own (tests/rtg/synthetic.py) with the trials dealt to nodes
and a known slowdown put on one node, so every verdict has a known right answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rtg import report as rtg_report
from rtg.analysis import nodes, stats
from tests.rtg.synthetic import simulate

SINGLE = ("gil", "nogil")


def on_nodes(
    slowdown: float = 1.0,
    nodes_of_reps=("node1", "node2"),
    repetitions: int = 6,
    scenarios=SINGLE,
    cpu_models: dict[str, str] | None = None,
    seed: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A run whose repetitions alternate over ``nodes_of_reps``; the last node is ``slowdown`` x slower."""
    timings, threads = simulate(scenarios=scenarios, n_values=(50_000_000,), repetitions=repetitions, seed=seed)
    node = [nodes_of_reps[(rep - 1) % len(nodes_of_reps)] for rep in timings["rep"]]
    timings["slurm_node"] = node
    timings["slurm_job_id"] = [str(1000 + i) for i in range(len(timings))]
    timings["host"] = node
    slow = np.array([n == nodes_of_reps[-1] for n in node])
    timings.loc[slow, "wall_s"] *= slowdown
    if cpu_models:
        timings["cpu_model"] = [cpu_models.get(n, "Model CPU") for n in node]
    return timings, threads


def test_nodes_of_the_same_speed_agree_and_cells_pool_their_trials():
    timings, _ = on_nodes(slowdown=1.0)
    comparison = nodes.compare_nodes(timings)
    assert list(comparison["verdict"]) == ["agree"]
    assert comparison["compared_trials"].iloc[0] == len(timings)
    assert comparison["ratio"].iloc[0] == pytest.approx(1.0, abs=0.03)
    assert nodes.GROUP_COLUMN not in nodes.with_node_groups(timings, comparison).columns
    cells = nodes.cells(timings)
    assert not cells["mixed_nodes"].any()
    assert set(cells["node"]) == {"node1", "node2"}


def test_a_node_twice_as_slow_differs_and_every_shared_cell_is_mixed():
    timings, threads = on_nodes(slowdown=2.0)
    comparison = nodes.compare_nodes(timings)
    pair = comparison.iloc[0]
    assert pair["verdict"] == "differ"
    assert pair["ratio"] == pytest.approx(2.0, rel=0.05)
    assert pair["ratio_ci_low"] > nodes.DIFFER_ABOVE
    assert pair["p_holm"] < nodes.ALPHA
    split = nodes.with_node_groups(timings, comparison)
    assert set(split[nodes.GROUP_COLUMN]) == {"node1", "node2"}
    cells = nodes.cells(split)
    assert cells["mixed_nodes"].all()
    # Per-node medians: node2's are twice node1's in every cell.
    medians = cells.pivot_table(index=["backend", "scenario"], columns="node", values="median_s")
    assert np.allclose(medians["node2"] / medians["node1"], 2.0, rtol=0.05)
    # The summary never pools them: one row per cell and node group, each with its own trials.
    summary = stats.summarize(split, threads)
    assert set(summary[nodes.GROUP_COLUMN]) == {"node1", "node2"}
    assert (summary["count"] == 3).all()


def test_the_ratio_of_two_cells_is_computed_within_each_node():
    # gil+gil ÷ one call is 2x on both nodes, although node2 is 3x slower: pooled it would be meaningless.
    timings, threads = on_nodes(slowdown=3.0, scenarios=("gil", "nogil", "gil+gil"))
    split = nodes.with_node_groups(timings, nodes.compare_nodes(timings))
    summary = stats.summarize(split, threads)
    ratios = summary[summary["scenario"] == "gil+gil"].set_index(["backend", nodes.GROUP_COLUMN])["ratio"]
    assert len(ratios) == 4
    assert np.allclose(ratios, 2.0, rtol=0.05)


def test_a_small_significant_difference_is_not_worth_splitting_cells():
    timings, _ = on_nodes(slowdown=1.02, repetitions=10)
    pair = nodes.compare_nodes(timings).iloc[0]
    assert pair["p_holm"] < nodes.ALPHA  # measurable...
    assert pair["verdict"] == "agree"  # ...but within ±5 %


def test_nodes_with_different_cpu_models_are_never_pooled_even_when_equally_fast():
    timings, _ = on_nodes(slowdown=1.0, cpu_models={"node1": "Zen 4", "node2": "Ice Lake"})
    comparison = nodes.compare_nodes(timings)
    assert list(comparison["verdict"]) == ["CPU model differs"]
    split = nodes.with_node_groups(timings, comparison)
    assert set(split[nodes.GROUP_COLUMN]) == {"node1", "node2"}
    assert nodes.cells(split)["mixed_nodes"].all()


def test_three_nodes_one_slow_the_two_that_agree_are_pooled():
    timings, _ = on_nodes(slowdown=2.0, nodes_of_reps=("node1", "node2", "node3"), repetitions=9)
    comparison = nodes.compare_nodes(timings)
    verdicts = {(r["node_a"], r["node_b"]): r["verdict"] for r in comparison.to_dict("records")}
    assert verdicts == {("node1", "node2"): "agree", ("node1", "node3"): "differ", ("node2", "node3"): "differ"}
    split = nodes.with_node_groups(timings, comparison)
    assert dict(zip(split["slurm_node"], split[nodes.GROUP_COLUMN], strict=True)) == {
        "node1": "node1+node2",
        "node2": "node1+node2",
        "node3": "node3",
    }


def test_nodes_that_never_ran_the_same_cell_are_not_compared():
    timings, _ = on_nodes()
    timings.loc[timings["backend"] == "numba", "slurm_node"] = "node2"
    timings.loc[timings["backend"] == "cython", "slurm_node"] = "node1"
    pair = nodes.compare_nodes(timings).iloc[0]
    assert pair["compared_trials"] == 0 and pair["verdict"] == "agree"
    assert not nodes.cells(timings)["mixed_nodes"].any()


def test_few_trials_are_no_evidence_of_a_difference():
    timings, _ = on_nodes(slowdown=2.0, repetitions=2, scenarios=("gil",))
    pair = nodes.compare_nodes(timings).iloc[0]
    assert pair["compared_trials"] == 4
    assert pair["verdict"] == "agree"  # 2 + 2 trials cannot reject at 0.05: pooled, and the report says on how few


@pytest.mark.parametrize(
    ("requested", "constraint", "kind"),
    [
        ([None] * 4, [None] * 4, "none"),
        (["node1"] * 4, [None] * 4, "nodes"),
        ([None] * 4, ["zen4"] * 4, "constraint"),
        (["node1"] * 4, ["zen4"] * 4, "both"),
        (["node1", "node1", None, None], [None] * 4, "varied"),
    ],
)
def test_the_pin_is_read_from_what_each_trial_asked_slurm_for(requested, constraint, kind):
    timings = pd.DataFrame(
        {"slurm_node": ["node1"] * 4, "slurm_requested_nodes": requested, "slurm_constraint": constraint}
    )
    assert nodes.pinning(timings)["kind"] == kind


def test_the_report_shows_nodes_flags_mixed_cells_and_answers_per_node(tmp_path):
    timings, threads = on_nodes(slowdown=2.0)
    environment = {"config": {}, "metadata": {}}
    parts = rtg_report.build(timings, threads, environment)
    assert set(parts["summary"][nodes.GROUP_COLUMN]) == {"node1", "node2"}
    mixed = parts["flags"][parts["flags"]["kind"] == "mixed nodes"]
    assert len(mixed) == 4  # 2 backends x 2 scenarios, each ran on both nodes
    claims = parts["claims"]
    assert claims["context"].str.contains("node_group=node1").any()
    assert claims["context"].str.contains("node_group=node2").any()
    ctx = rtg_report.context(parts, {}, environment, parts["timings"])
    assert ctx["nodes_present"]
    assert any("measurably differ" in line for line in ctx["nodes_lines"])
    assert any("must not be pooled" in s and "2.0" in s for s in ctx["answer"])
    html = rtg_report.render_html(ctx)
    assert '<section id="nodes">' in html
    assert html.count('class="flag-warning mixed-nodes"') == 8  # 4 cells x 2 nodes


def test_a_local_run_has_no_nodes_section():
    timings, threads = simulate(scenarios=SINGLE, n_values=(1_000_000,), repetitions=3)
    parts = rtg_report.build(timings, threads, {"config": {}, "metadata": {}})
    assert parts["node_cells"] is None
    assert nodes.GROUP_COLUMN not in parts["summary"].columns
    ctx = rtg_report.context(parts, {}, {"config": {}, "metadata": {}}, parts["timings"])
    assert '<section id="nodes">' not in rtg_report.render_html(ctx)
