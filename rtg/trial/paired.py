"""Paired baseline: one-thread runs of a scenario's own calls, timed in the same process between its runs.

A ratio of two cells (two threads ÷ one call) compares processes started at
different moments. On a VM the speed of a process's CPU drifts by 20-50 % for
seconds at a time, without steal (measured: re.search medians of 20 and 32 ms in
fresh processes a minute apart on an idle machine), so such a ratio needs many
processes for a narrow interval. Timing the one-call baseline in the same process,
right after each run of the scenario, puts both under the same drift: each process
gives one ratio, and the processes (the independent unit) give its interval.

Config ``paired_baseline: true`` turns it on (it adds a one-thread run per token
after every run of a multi-thread scenario); the cell ratio then comes from these
per-process ratios (rtg/analysis/stats.py), not from the two cells' medians.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from rtg.core.scenarios import Scenario, baseline_scenarios


@dataclass
class PairedBaseline:
    """The one-thread runs of one trial, and the ratio they give."""

    #: token -> its weight in the baseline (rtg/core/scenarios.py: nogil+gil -> (gil + nogil) / 2).
    weights: Mapping[str, float]
    #: Every one-thread run: {"token", "wall_s", "correct"}, in the order they ran.
    runs: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, scenario: Scenario) -> PairedBaseline:
        return cls(weights=baseline_scenarios(scenario.name))

    def time_after(self, run_one: Callable[[str, int], tuple[float, bool]], tokens: Sequence[str]) -> None:
        """One one-thread run of each token right after a scenario run: ``run_one(token, thread) -> (wall_s,
        correct)`` runs the call of thread ``thread`` (its data, its CPU) alone.

        The thread turns over from one scenario run to the next among the threads of that token, so the
        baseline meets every CPU the scenario uses: on a VM one vCPU can run 40 % slower than its sibling
        for seconds (its host core busy with another guest), without steal, and a baseline timed on the
        first CPU only would charge that to the GIL.
        """
        for token in self.weights:
            threads = [i for i, t in enumerate(tokens) if t == token]
            thread = threads[sum(r["token"] == token for r in self.runs) % len(threads)]
            wall, correct = run_one(token, thread)
            self.runs.append({"token": token, "thread": thread, "wall_s": wall, "correct": bool(correct)})

    def baseline_s(self) -> float | None:
        """Σ weight x median one-thread wall of each token; None while a token has no run."""
        total = 0.0
        for token, weight in self.weights.items():
            walls = [r["wall_s"] for r in self.runs if r["token"] == token]
            if not walls:
                return None
            total += weight * statistics.median(walls)
        return total

    def ratio(self, walls: Sequence[float]) -> float | None:
        """median(scenario walls) ÷ the baseline: this process's ratio."""
        base = self.baseline_s()
        if base is None or not walls or base <= 0:
            return None
        return statistics.median(walls) / base

    def as_record(self, walls: Sequence[float]) -> dict:
        return {
            "weights": dict(self.weights),
            "runs": self.runs,
            "baseline_s": self.baseline_s(),
            "ratio": self.ratio(walls),
            "correct": all(r["correct"] for r in self.runs),
        }
