"""In what order the grid's trials run, and how a cluster groups them: interleaved rounds and job groups.

Rounds. Slow drift of a machine (temperature, frequency limits, a neighbour's
job) must not look like a difference between cells. As asv does, the grid runs
in rounds: round r holds repetition r of every cell, in an order shuffled with a
seed, and comes before any trial of round r + 1. Each cell's trials are then
spread over the whole run, and drift spreads over every cell alike. Snakemake
takes the order as job priorities (rule ``trial``'s ``priority:``): whenever it
must choose among ready trials, it picks the highest. Locally the single timing
slot makes that choice for every trial, so the rounds hold exactly. On a cluster
Snakemake submits in this order whenever ``jobs:`` limits it, and Slurm starts
jobs in submission order when they are of equal size; the order is the same,
but trials that run at the same time on different nodes may finish out of it.

Groups. On a cluster each job pays a queue wait and a nested ``snakemake``
start-up (about 5 s on the single-node Slurm of this project), far more than a
0.3 s trial. Snakemake's ``group:`` directive submits the jobs of one group id
as a single cluster job; its own snakemake runs them one after another (the
workflow caps ``timing_slot`` at 1 there too), so the timings stay as clean as
with one job per trial. Group ids are assigned repetition-major: one group holds
consecutive grid points of the same repetition, so the repetitions of one grid
point land in different groups (often on different nodes). Node-to-node
differences then show up honestly as spread between repetitions instead of
shifting all repetitions of one grid point together, and the scenarios compared
within one repetition share a node.

Both read each trial's repetition from its grid point (rtg/plan/grid.py
``trial_points``), never from its path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: Prefix of every group id (``trials0``, ``trials1``, ...).
PREFIX = "trials"


def interleaved(points: Mapping[str, Mapping], seed: int = 0) -> list[str]:
    """The trial paths in run order: round by round, each round shuffled with ``seed``."""
    rounds: dict[int, list[str]] = {}
    for path, point in points.items():
        rounds.setdefault(int(point["rep"]), []).append(path)
    order: list[str] = []
    for rep in sorted(rounds):
        cells = sorted(rounds[rep])  # independent of how the caller listed the grid
        shuffle = np.random.default_rng([seed, rep]).permutation(len(cells))
        order.extend(cells[i] for i in shuffle)
    return order


def priorities(points: Mapping[str, Mapping], seed: int = 0) -> dict[str, int]:
    """Trial path -> Snakemake priority (higher runs first): 1 for the last trial, len for the first."""
    order = interleaved(points, seed)
    return {path: len(order) - position for position, path in enumerate(order)}


def trial_groups(paths: Sequence[str], points: Mapping[str, Mapping], size: int) -> dict[str, str]:
    """Map every trial path to a group id; each group holds at most ``size`` trials.

    ``paths`` in the order the groups follow (the grid's, or the rounds'); the
    groups are cut from it ordered by repetition first, that order kept
    otherwise. ``size`` must be at least 2 (smaller means no grouping, which
    callers express as no ``group:`` at all).
    """
    if size < 2:
        raise ValueError(f"a trial group needs at least 2 trials, got size {size}")
    order = sorted(range(len(paths)), key=lambda i: (int(points[paths[i]]["rep"]), i))
    return {paths[i]: f"{PREFIX}{position // size}" for position, i in enumerate(order)}
