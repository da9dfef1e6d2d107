"""Section "Nodes": where the trials ran, whether the nodes differ, and which cells mix them.

Present whenever trials ran as Slurm jobs. Plain words first: how many trials each node
ran, whether the run was pinned to one node or one kind of node (what the jobs asked Slurm
for), and for every pair of nodes whether they measurably differ (rtg/analysis/nodes.py). Then the
per-node medians of every cell, with the cell's own test across its nodes and its flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import nodes
from rtg.report.base import Inputs
from rtg.report.fmt import fmt_n, fmt_p, fmt_ratio_short, markdown_table

ID = "nodes"
TITLE = "Nodes: where the trials ran"
#: The flag a cell gets when its trials came from nodes that differ.
MIXED = "mixed nodes"
#: The columns of rtg.analysis.nodes.cells that are values, not the cell's key.
_CELL_VALUES = ("node", "trials", "median_s", "ci_low_s", "ci_high_s", "nodes_in_cell", "p", "mixed_nodes")


def pinning_line(pin: Mapping[str, Any], node_count: int) -> str:
    """What the trials asked Slurm for, in words."""
    kind = pin["kind"]
    if kind == "nodes":
        return (
            f"Pinned to {', '.join(pin['nodes'])}: every trial asked Slurm for that node list (--nodelist, "
            "set in the profile's slurm_extra)."
        )
    if kind == "constraint":
        return (
            f"Pinned to nodes with {', '.join(pin['constraints'])}: every trial asked Slurm for that feature "
            "(--constraint, set in the profile's slurm_extra)."
        )
    if kind == "both":
        return (
            f"Pinned: every trial asked Slurm for {', '.join(pin['nodes'])} with {', '.join(pin['constraints'])} "
            "(--nodelist and --constraint)."
        )
    if kind == "varied":
        return (
            "Not pinned consistently: the trials asked Slurm for different nodes or features "
            f"(node lists {', '.join(pin['nodes']) or 'none'}; constraints {', '.join(pin['constraints']) or 'none'})."
        )
    where = "one node" if node_count == 1 else f"{node_count} nodes"
    return (
        f"Not pinned: Slurm placed each trial where it had room, here on {where}. To keep a run on one node "
        "or one kind of node, set slurm_extra (--nodelist or --constraint) for the trial rule in the profile."
    )


def pair_line(pair: Mapping[str, Any], mixed_cells: int) -> str:
    """One pair of nodes compared, and what the report did about it."""
    a, b = pair["node_a"], pair["node_b"]
    if pair["verdict"] == "CPU model differs":
        return (
            f"{a} ({pair['cpu_model_a']}) and {b} ({pair['cpu_model_b']}) have different CPU models, so their "
            "trials are never pooled: every cell, ratio and claim is computed on each node separately."
        )
    if pair["compared_trials"] == 0:
        return f"{a} and {b} never ran the same cell, so they could not be compared (no cell mixes them)."
    ratio = fmt_ratio_short(pair["ratio"], pair["ratio_ci_low"], pair["ratio_ci_high"])
    measured = (
        f"in the cells both ran, trials on {b} took {ratio} "
        f"the time of those on {a} (Mann-Whitney, Holm p = {fmt_p(pair['p_holm'])}, {pair['compared_trials']} trials)"
    )
    if pair["verdict"] == "differ":
        return (
            f"{a} and {b} measurably differ: {measured}. The {mixed_cells} cell(s) with trials on both are "
            f"flagged '{MIXED}', and their medians, ratios and claims are computed within each node, never pooled."
        )
    return (
        f"{a} and {b} agree: {measured}, within ±{nodes.DIFFER_ABOVE - 1:.0%} or not significant at "
        f"{nodes.ALPHA:g}, so cells pool their trials from both."
    )


def answer_sentences(comparison: pd.DataFrame | None) -> list[str]:
    """For the answer: one sentence when the trials came from nodes that must not be pooled."""
    if comparison is None or comparison.empty:
        return []
    apart = comparison[comparison["verdict"] != "agree"]
    if apart.empty:
        return []
    said = []
    for r in apart.to_dict("records"):
        if r["verdict"] == "CPU model differs":
            said.append(f"{r['node_a']} and {r['node_b']} have different CPU models")
        else:
            ratio = fmt_ratio_short(r["ratio"], r["ratio_ci_low"], r["ratio_ci_high"])
            said.append(f"on {r['node_b']} the same cells took {ratio} the time they took on {r['node_a']}")
    return [
        "The trials came from nodes that must not be pooled (" + "; ".join(said) + "): every median, ratio and "
        "claim here is computed within one node group, named in brackets, never across them (section 'Nodes')."
    ]


def lines(timings: pd.DataFrame, comparison: pd.DataFrame, cell_table: pd.DataFrame) -> list[str]:
    facts = nodes.node_facts(timings)
    listed = ", ".join(f"{r['node']} ({r['trials']} trials, {r['cells']} cells)" for r in facts.to_dict("records"))
    models = sorted(set(facts["cpu_model"]))
    out = [
        f"The {len(timings)} trials ran on {len(facts)} node(s): {listed}. "
        + (f"CPU model: {models[0]}." if len(models) == 1 else f"CPU models: {'; '.join(models)}.")
    ]
    out.append(pinning_line(nodes.pinning(timings), len(facts)))
    mixed = mixed_cells(cell_table)
    for pair in comparison.to_dict("records"):
        out.append(pair_line(pair, len(mixed)))
    return out


def mixed_cells(cell_table: pd.DataFrame | None) -> list[str]:
    """The flagged cells, each as 'backend / scenario / n=…'."""
    if cell_table is None or cell_table.empty:
        return []
    keys = [c for c in cell_table.columns if c not in _CELL_VALUES]
    flagged = cell_table[cell_table["mixed_nodes"]].drop_duplicates(keys)
    return [_cell_name(row, keys) for row in flagged.to_dict("records")]


def _cell_name(row: Mapping[str, Any], keys: list[str]) -> str:
    return " / ".join(f"n={int(row[k]):,}" if k == "n" else str(row[k]) for k in keys)


def flag_rows(cell_table: pd.DataFrame | None) -> list[dict]:
    """Rows for the report's flags table: one warning per cell with trials from differing nodes."""
    return [
        {
            "severity": "warning",
            "kind": MIXED,
            "cell": name,
            "message": "its trials came from nodes that measurably differ; its numbers are computed per node "
            "(section 'Nodes')",
        }
        for name in mixed_cells(cell_table)
    ]


def nodes_display(timings: pd.DataFrame) -> pd.DataFrame:
    facts = nodes.node_facts(timings)
    if nodes.GROUP_COLUMN in timings.columns:
        group_of = dict(zip(nodes.node_column(timings), timings[nodes.GROUP_COLUMN], strict=True))
        facts["pooled with"] = [group_of.get(n, n) for n in facts["node"]]
    else:
        facts["pooled with"] = "all nodes" if len(facts) > 1 else "–"
    return facts.rename(columns={"cpu_model": "CPU model"})


def pairs_display(comparison: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {
            "nodes": f"{r['node_b']} ÷ {r['node_a']}",
            "relative time (95 % CI)": fmt_ratio_short(r["ratio"], r["ratio_ci_low"], r["ratio_ci_high"]),
            "trials compared": r["compared_trials"],
            "Holm p": fmt_p(r["p_holm"]),
            "verdict": r["verdict"],
        }
        for r in comparison.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=["nodes", "relative time (95 % CI)", "trials compared", "Holm p", "verdict"])


def cells_display(cell_table: pd.DataFrame) -> pd.DataFrame:
    """The per-node table; optional axes that have one value in the whole run are left out."""
    keys = [
        c
        for c in cell_table.columns
        if c not in _CELL_VALUES and (c in ("backend", "scenario", "n") or cell_table[c].nunique() > 1)
    ]
    rows = []
    for r in cell_table.to_dict("records"):
        row = {k: fmt_n(r[k]) if k == "n" else r[k] for k in keys}
        ci = "" if pd.isna(r["ci_low_s"]) else f" [{r['ci_low_s'] * 1e3:.1f}–{r['ci_high_s'] * 1e3:.1f}]"
        row.update(
            {
                "node": r["node"],
                "trials": r["trials"],
                "median ms (95 % CI)": f"{r['median_s'] * 1e3:.1f}{ci}",
                "test across nodes (p)": fmt_p(r["p"]),
                "flag": MIXED if r["mixed_nodes"] else "",
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def context(inputs: Inputs) -> dict[str, Any]:
    cell_table = inputs.parts.get("node_cells")
    if cell_table is None:
        return {"nodes_present": False}
    timings = inputs.timings
    comparison = inputs.parts["node_comparison"]
    return {
        "nodes_present": True,
        "nodes_title": TITLE,
        "nodes_lines": lines(timings, comparison, cell_table),
        "nodes_table": nodes_display(timings).to_dict("split"),
        "nodes_pairs": pairs_display(comparison).to_dict("split"),
        "nodes_cells": cells_display(cell_table).to_dict("split"),
        "nodes_mixed": [bool(m) for m in cell_table["mixed_nodes"]],
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    if not ctx.get("nodes_present"):
        return []
    out = [f"## {TITLE}", ""]
    out += [f"- {line}" for line in ctx["nodes_lines"]]
    for name in ("nodes_table", "nodes_pairs", "nodes_cells"):
        split = ctx[name]
        if split["data"]:
            out += ["", markdown_table(pd.DataFrame(split["data"], columns=split["columns"]))]
    out.append("")
    return out
