"""Cluster job groups for trials: k short trials per submitted job.

On a cluster each job pays a queue wait and a nested ``snakemake`` start-up
(about 5 s on the single-node Slurm of this project), far more than a 0.3 s
trial. Snakemake's ``group:`` directive submits the jobs of one group id as a
single cluster job; its own snakemake runs them under the same workflow
profile, so the ``timing_slot`` limit keeps them one after another and the
timings stay as clean as with one job per trial.

Group ids are assigned repetition-major: one group holds consecutive grid
points of the same repetition, so the repetitions of one grid point land in
different groups (often on different nodes). Node-to-node differences then
show up honestly as spread between repetitions instead of shifting all
repetitions of one grid point together, and the scenarios compared within one
repetition share a node.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

#: Prefix of every group id (``trials0``, ``trials1``, ...).
PREFIX = "trials"


def trial_groups(
    backends: Iterable[str],
    scenarios: Iterable[str],
    n_values: Iterable[int],
    repetitions: int,
    size: int,
) -> dict[tuple[str, str, str, str], str]:
    """Map (backend, scenario, n, rep) - as the strings of wildcards - to a group id.

    Every group holds at most ``size`` trials; ``size`` must be at least 2
    (smaller means no grouping, which callers express as no ``group:``).
    """
    if size < 2:
        raise ValueError(f"a trial group needs at least 2 trials, got size {size}")
    order = itertools.product(range(1, repetitions + 1), list(backends), list(scenarios), list(n_values))
    return {
        (backend, scenario, str(n), str(rep)): f"{PREFIX}{index // size}"
        for index, (rep, backend, scenario, n) in enumerate(order)
    }
