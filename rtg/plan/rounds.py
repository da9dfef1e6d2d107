"""Interleaved rounds: the order in which the grid's trials run.

Slow drift of a machine (temperature, frequency limits, a neighbour's job)
must not look like a difference between cells. As asv does, the grid runs in
rounds: round r holds repetition r of every cell, in an order shuffled with a
seed, and comes before any trial of round r + 1. Each cell's trials are then
spread over the whole run, and drift spreads over every cell alike.

Snakemake takes the order as job priorities (rule ``trial``'s ``priority:``):
whenever it must choose among ready trials, it picks the highest. Locally the
single timing slot makes that choice for every trial, so the rounds hold
exactly. On a cluster Snakemake submits in this order whenever ``jobs:``
limits it, and Slurm starts jobs in submission order when they are of equal
size; the order is the same, but trials that run at the same time on
different nodes may finish out of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rtg.plan.grouping import repetition


def interleaved(trial_paths: Sequence[str], seed: int = 0) -> list[str]:
    """The trials in run order: round by round, each round shuffled with ``seed``."""
    rounds: dict[int, list[str]] = {}
    for path in trial_paths:
        rounds.setdefault(repetition(path), []).append(path)
    order: list[str] = []
    for rep in sorted(rounds):
        cells = sorted(rounds[rep])  # independent of how the caller listed the grid
        shuffle = np.random.default_rng([seed, rep]).permutation(len(cells))
        order.extend(cells[i] for i in shuffle)
    return order


def priorities(trial_paths: Sequence[str], seed: int = 0) -> dict[str, int]:
    """Trial path -> Snakemake priority (higher runs first): 1 for the last trial, len for the first."""
    order = interleaved(trial_paths, seed)
    return {path: len(order) - position for position, path in enumerate(order)}
