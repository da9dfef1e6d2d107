"""Which nodes a run's trials came from, whether those nodes measurably differ, and what may be pooled.

A cluster's nodes are not interchangeable: partitions mix CPU generations, and two "identical"
nodes differ in firmware, frequency limits and neighbours. A cell whose repetitions landed on
a fast and a slow node would have a median and CI of two machines, and a ratio of two cells
could compare one node with another. So nodes are compared like anything else here:

- For a pair of nodes a and b, every cell both ran contributes its trials' wall times divided
  by node a's median in that cell (the cell's own scale drops out). Pooled over the shared
  cells, the two samples are compared by a rank test (Mann-Whitney U, Holm-corrected over
  pairs) and by the ratio of their medians with a bootstrap CI.
- Two nodes **differ** when their CPU models differ (never pooled, whatever the test says)
  or when the test rejects at :data:`ALPHA` and the median ratio is beyond
  :data:`DIFFER_ABOVE` either way (a difference too small to matter is not worth splitting
  cells for). Too few trials to tell is not a difference: those nodes are pooled, and the
  report says how many trials the comparison rested on.
- Nodes that agree form a group; :func:`with_node_groups` adds a ``node_group`` column
  (an optional cell key, rtg/analysis/stats.py) only when a run has more than one group, so every
  median, CI, ratio and claim is then computed within a group, never across groups. A
  cell with trials from more than one group is **mixed nodes**.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from rtg.analysis import stats
from rtg.core import scenarios

#: The cell-key column added when the nodes of a run fall into more than one group.
GROUP_COLUMN = "node_group"
#: Holm-corrected significance level of the node comparison.
ALPHA = 0.05
#: Median ratio between two nodes beyond which (either way) a significant difference counts.
DIFFER_ABOVE = 1.05
#: Separator of the nodes in a group's name ("node1+node3").
GROUP_SEPARATOR = "+"


def node_column(timings: pd.DataFrame) -> pd.Series:
    """Each trial's node: the Slurm node, else the host it ran on."""
    host = timings["host"].astype(str) if "host" in timings.columns else pd.Series("local", index=timings.index)
    if "slurm_node" not in timings.columns:
        return host
    return timings["slurm_node"].where(timings["slurm_node"].notna(), host).astype(str)


def under_slurm(timings: pd.DataFrame) -> bool:
    """Whether any trial ran as a Slurm job (the report's node section is shown then)."""
    return "slurm_node" in timings.columns and bool(timings["slurm_node"].notna().any())


def _natural(name: str) -> list:
    """node2 before node10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(name))]


def base_keys(timings: pd.DataFrame) -> list[str]:
    """A cell's key regardless of node groups: what one configured grid cell is."""
    return [c for c in stats.cell_key_columns(timings) if c != GROUP_COLUMN]


def node_facts(timings: pd.DataFrame) -> pd.DataFrame:
    """One row per node: its CPU model(s), logical CPUs and how many trials and cells ran there."""
    frame = timings.assign(_node=node_column(timings))
    keys = base_keys(frame)
    rows = []
    for node in sorted(frame["_node"].unique(), key=_natural):
        mine = frame[frame["_node"] == node]
        models = sorted(mine["cpu_model"].dropna().astype(str).unique()) if "cpu_model" in mine.columns else []
        rows.append(
            {
                "node": node,
                "cpu_model": "; ".join(models) or "unknown",
                "trials": int(len(mine)),
                "cells": int(len(mine.groupby(keys))) if len(mine) else 0,
            }
        )
    return pd.DataFrame(rows, columns=["node", "cpu_model", "trials", "cells"])


def pair_samples(valid: pd.DataFrame, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
    """Node a's and node b's wall times relative to node a's median, in every cell both ran.

    Dividing by a's median of the same cell takes the cells' own scale out, so the samples of
    all shared cells pool; the ratio of the two samples' medians then reads "b took so many
    times as long as a". Cells only one of them ran say nothing about the pair.
    """
    frame = valid.assign(node=node_column(valid))
    on_a, on_b = [], []
    for _, cell in frame.groupby(base_keys(frame), sort=False):
        walls_a = cell.loc[cell["node"] == a, "wall_s"].to_numpy(dtype=float)
        walls_b = cell.loc[cell["node"] == b, "wall_s"].to_numpy(dtype=float)
        if walls_a.size and walls_b.size and np.median(walls_a) > 0:
            scale = float(np.median(walls_a))
            on_a.append(walls_a / scale)
            on_b.append(walls_b / scale)
    if not on_a:
        return np.array([]), np.array([])
    return np.concatenate(on_a), np.concatenate(on_b)


def compare_nodes(timings: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Every pair of nodes: the ratio of their times in shared cells (CI), the rank test and the verdict.

    ``ratio`` is node_b's median relative time ÷ node_a's (above 1: node_b slower). ``verdict``
    is "CPU model differs", "differ" or "agree"; ``compared_trials`` counts the trials of the
    cells both ran (0: no cell ran on both, so nothing could be compared).
    """
    valid = stats.valid_trials(timings)
    facts = node_facts(valid).set_index("node")
    rng = np.random.default_rng(seed)
    rows = []
    for a, b in itertools.combinations(list(facts.index), 2):
        ra, rb = pair_samples(valid, a, b)
        ratio, low, high = stats.bootstrap_ratio_ci(rb, [ra], [1.0], seed=rng) if ra.size else (np.nan,) * 3
        p = np.nan
        if ra.size >= 2 and rb.size >= 2 and np.ptp(np.concatenate([ra, rb])) > 0:
            p = float(sps.mannwhitneyu(rb, ra, alternative="two-sided").pvalue)
        rows.append(
            {
                "node_a": a,
                "node_b": b,
                "cpu_model_a": facts.loc[a, "cpu_model"],
                "cpu_model_b": facts.loc[b, "cpu_model"],
                "compared_trials": int(ra.size + rb.size),
                "ratio": ratio,
                "ratio_ci_low": low,
                "ratio_ci_high": high,
                "p": p,
            }
        )
    table = pd.DataFrame(
        rows,
        columns=["node_a", "node_b", "cpu_model_a", "cpu_model_b", "compared_trials", "ratio", "ratio_ci_low",
                 "ratio_ci_high", "p"],
    )  # fmt: skip
    table["p_holm"] = stats.holm(table["p"].to_numpy(dtype=float)) if len(table) else []
    table["verdict"] = [verdict(row) for row in table.to_dict("records")]
    return table


def verdict(pair: dict) -> str:
    """'CPU model differs', 'differ' (measured) or 'agree' for one row of :func:`compare_nodes`."""
    if pair["cpu_model_a"] != pair["cpu_model_b"]:
        return "CPU model differs"
    ratio, p = pair["ratio"], pair["p_holm"]
    if not np.isnan(p) and p < ALPHA and not np.isnan(ratio) and max(ratio, 1 / ratio) > DIFFER_ABOVE:
        return "differ"
    return "agree"


def groups(nodes: Sequence[str], comparison: pd.DataFrame) -> dict[str, str]:
    """Each node's group name: nodes that agree with every member of a group join it.

    Greedy in node order, so the result is deterministic; a group is named by its members
    joined with "+".
    """
    differ = {frozenset((r["node_a"], r["node_b"])) for r in comparison.to_dict("records") if r["verdict"] != "agree"}
    members: list[list[str]] = []
    for node in sorted(nodes, key=_natural):
        for group in members:
            if all(frozenset((node, other)) not in differ for other in group):
                group.append(node)
                break
        else:
            members.append([node])
    return {node: GROUP_SEPARATOR.join(group) for group in members for node in group}


def with_node_groups(timings: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """``timings`` with a ``node_group`` cell key when its nodes form more than one group, else as is."""
    nodes = node_column(timings)
    named = groups(sorted(nodes.unique(), key=_natural), comparison)
    if len(set(named.values())) < 2:
        return timings
    return timings.assign(**{GROUP_COLUMN: nodes.map(named)})


def cells(timings: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """One row per configured cell and node: trials, median wall time and its CI, and the cell's flag.

    ``mixed_nodes`` is True on every row of a cell whose trials came from more than one node
    group; ``p`` is the cell's own Kruskal-Wallis test across its nodes (NaN with fewer than
    two trials on each of two nodes).
    """
    valid = stats.valid_trials(timings).assign(node=node_column(timings))
    keys = base_keys(valid)
    rng = np.random.default_rng(seed)
    rows = []
    for key, cell in valid.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        by_node = {node: g["wall_s"].to_numpy(dtype=float) for node, g in cell.groupby("node")}
        enough = [v for v in by_node.values() if v.size >= 2]
        p = np.nan
        if len(enough) >= 2 and np.ptp(np.concatenate(enough)) > 0:
            p = float(sps.kruskal(*enough).pvalue)
        mixed = GROUP_COLUMN in cell.columns and cell[GROUP_COLUMN].nunique() > 1
        for node in sorted(by_node, key=_natural):
            walls = by_node[node]
            low, high = stats.bootstrap_median_ci(walls, seed=rng)
            rows.append(
                {
                    **dict(zip(keys, key, strict=True)),
                    "node": node,
                    "trials": int(walls.size),
                    "median_s": float(np.median(walls)),
                    "ci_low_s": low,
                    "ci_high_s": high,
                    "nodes_in_cell": len(by_node),
                    "p": p,
                    "mixed_nodes": bool(mixed),
                }
            )
    columns = [*keys, "node", "trials", "median_s", "ci_low_s", "ci_high_s", "nodes_in_cell", "p", "mixed_nodes"]
    out = pd.DataFrame(rows, columns=columns)
    if len(out):
        out = out.sort_values(
            keys, key=lambda col: col.map(scenarios.scenario_sort_key) if col.name == "scenario" else col, kind="stable"
        ).reset_index(drop=True)
    return out


def pinning(timings: pd.DataFrame) -> dict[str, object]:
    """What the trials asked Slurm for: one node list, one constraint, or nothing (Slurm chose).

    Read from each trial's own job (``scontrol show job``, rtg/trial/metadata.py). ``kind`` is
    "nodes", "constraint", "both", "none" or "varied" (the trials asked differently).
    """
    under = timings[timings["slurm_node"].notna()] if "slurm_node" in timings.columns else timings.iloc[0:0]

    def column(name: str) -> list[str | None]:
        if name not in under.columns:
            return [None] * len(under)
        return [None if pd.isna(v) or not str(v) else str(v) for v in under[name]]

    requests = set(zip(column("slurm_requested_nodes"), column("slurm_constraint"), strict=True))
    nodes = sorted({n for n, _ in requests if n})
    constraints = sorted({c for _, c in requests if c})
    if len(requests) > 1:
        kind = "varied"
    elif nodes and constraints:
        kind = "both"
    elif nodes:
        kind = "nodes"
    elif constraints:
        kind = "constraint"
    else:
        kind = "none"
    return {"kind": kind, "nodes": nodes, "constraints": constraints}
