"""Refuse, before any submission, the grid cells a Slurm cluster can never start.

A trial asks Slurm for one CPU per worker thread on one node (``--cpus-per-task``). On a
cluster whose largest node has fewer CPUs, Slurm rejects such a job (or, with some site
settings, queues it forever), so the run would fail late or hang. The Snakefile's
``onstart`` asks this module, under a cluster executor only, and stops with one
``Config error:`` paragraph naming the scenario and the largest node.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rtg.core import scenarios
from rtg.plan import grid
from rtg.plan.config import ConfigError

#: Snakemake executors that submit to Slurm (cluster-generic with profiles/cluster-generic's sbatch).
SLURM_EXECUTORS = ("slurm", "cluster-generic")
#: ``sinfo`` format: node name, CPUs, features, partition (one line per node and partition).
SINFO_FORMAT = "%N|%c|%f|%P"


@dataclass(frozen=True)
class Node:
    name: str
    cpus: int
    features: tuple[str, ...]
    partitions: tuple[str, ...]


def parse_sinfo(text: str) -> list[Node]:
    """Nodes from ``sinfo -h -N -o '%N|%c|%f|%P'`` (a node in several partitions is listed once)."""
    found: dict[str, Node] = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) != 4 or not parts[1].strip().isdigit():
            continue
        name, cpus, features, partition = (p.strip() for p in parts)
        feats = tuple(f for f in features.split(",") if f and f != "(null)")
        part = partition.rstrip("*")
        if name in found:
            old = found[name]
            found[name] = Node(name, old.cpus, old.features, tuple(sorted({*old.partitions, part})))
        else:
            found[name] = Node(name, int(cpus), feats, (part,))
    return list(found.values())


def slurm_nodes(timeout_s: float = 30.0) -> list[Node] | None:
    """The cluster's nodes, or None where ``sinfo`` is missing or does not answer."""
    if shutil.which("sinfo") is None:
        return None
    try:
        done = subprocess.run(
            ["sinfo", "-h", "-N", "-o", SINFO_FORMAT], capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return parse_sinfo(done.stdout) or None


def needed_cpus(config: Mapping, memory_kernels: bool = False) -> dict[str, int]:
    """What each kind of submitted job needs on one node, in CPUs (a trial: one per worker thread).

    Every scenario of the grid counts, those of the thread-count sweep too. Keyed by scenario name,
    plus :data:`BANDWIDTH_JOB` when the bandwidth calibration runs.
    """
    needs = {s: scenarios.parse(s).threads for s in grid.all_scenarios(config)}
    if memory_kernels:
        needs[BANDWIDTH_JOB] = 2
    return needs


#: The key of :func:`needed_cpus` for the memory-bandwidth calibration (a 2-thread job, not a scenario).
BANDWIDTH_JOB = "the memory-bandwidth calibration (rule bandwidth, for kernels with BYTES_PER_ITERATION)"


def _label(what: str) -> str:
    return what if what == BANDWIDTH_JOB else f"scenario '{what}'"


def check(needs: Mapping[str, int], nodes: Sequence[Node]) -> None:
    """Raise ConfigError naming every job the largest node cannot hold."""
    if not nodes:
        return
    largest = max(nodes, key=lambda node: node.cpus)  # the first of equals, in sinfo's order
    too_big: dict[int, list[str]] = {}
    for what, cpus in needs.items():
        if cpus > largest.cpus:
            too_big.setdefault(cpus, []).append(_label(what))
    if not too_big:
        return
    listed = "; ".join(
        f"{_and(labels)} need{'s' if len(labels) == 1 else ''} {cpus} CPUs on one node"
        for cpus, labels in sorted(too_big.items())
    )
    fits = [what for what, cpus in needs.items() if what != BANDWIDTH_JOB and cpus <= largest.cpus]
    cpus = f"{largest.cpus} CPU" + ("s" if largest.cpus != 1 else "")
    raise ConfigError(
        f"scenarios: {listed} (one CPU per worker thread), but the largest node of this Slurm cluster, "
        f"{largest.name}, has {cpus} ({len(nodes)} node(s) in sinfo). Slurm would never start such a job. "
        f"Allowed here: scenarios of at most {largest.cpus} thread(s)"
        + (f" (in this grid: {', '.join(fits)})" if fits else "")
        + ", or a cluster or partition with larger nodes."
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
