"""Cluster job groups for trials: k short trials per submitted job.

On a cluster each job pays a queue wait and a nested ``snakemake`` start-up
(about 5 s on the single-node Slurm of this project), far more than a 0.3 s
trial. Snakemake's ``group:`` directive submits the jobs of one group id as a
single cluster job; its own snakemake runs them one after another (the
workflow caps ``timing_slot`` at 1 there too), so the timings stay as clean as
with one job per trial.

Group ids are assigned repetition-major: one group holds consecutive grid
points of the same repetition, so the repetitions of one grid point land in
different groups (often on different nodes). Node-to-node differences then
show up honestly as spread between repetitions instead of shifting all
repetitions of one grid point together, and the scenarios compared within one
repetition share a node.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Prefix of every group id (``trials0``, ``trials1``, ...).
PREFIX = "trials"
_REP = re.compile(r"/rep(\d+)\.json$")


def repetition(path: str) -> int:
    """The repetition number of a trial path (``.../rep3.json`` -> 3)."""
    match = _REP.search(path)
    if not match:
        raise ValueError(f"not a trial path (no /rep<k>.json): {path!r}")
    return int(match.group(1))


def trial_groups(trial_paths: Sequence[str], size: int) -> dict[str, str]:
    """Map every trial path of the grid to a group id; each group holds at most ``size`` trials.

    ``trial_paths`` is the grid in its usual order (repetition innermost); the
    groups are cut from it ordered by repetition first, the grid order kept
    otherwise. ``size`` must be at least 2 (smaller means no grouping, which
    callers express as no ``group:`` at all).
    """
    if size < 2:
        raise ValueError(f"a trial group needs at least 2 trials, got size {size}")
    order = sorted(range(len(trial_paths)), key=lambda i: (repetition(trial_paths[i]), i))
    return {trial_paths[i]: f"{PREFIX}{position // size}" for position, i in enumerate(order)}
