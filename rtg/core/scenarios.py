"""Scenario strings: one token per thread, in start order ("nogil+gil").

The start order is the phenomenon the blog shows (a GIL-holding thread that
starts first blocks the releasing one), so it is encoded in the name itself
and derived columns are computed here, once, for every output.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

#: The blog's tokens: the two entry points of the Fibonacci kernels. A kernel may offer others (its
#: ``MODES``, kernels/__init__.py), e.g. ``call`` for a kernel that wraps one library call.
TOKENS: tuple[str, ...] = ("gil", "nogil")
SEPARATOR = "+"
#: One token: a mode's name.
TOKEN = r"[a-z][a-z0-9_]*"
#: Regular expression a scenario must match; also used as a Snakemake wildcard constraint.
PATTERN = rf"{TOKEN}(?:\+{TOKEN})*"
_FULL = re.compile(rf"^{PATTERN}$")


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario with the columns every output carries."""

    name: str
    tokens: tuple[str, ...]

    @property
    def threads(self) -> int:
        return len(self.tokens)

    @property
    def gil_mode(self) -> str:
        """``gil`` or ``nogil`` when all threads agree, otherwise ``mixed``."""
        kinds = set(self.tokens)
        return self.tokens[0] if len(kinds) == 1 else "mixed"

    @property
    def start_order(self) -> str:
        """Which kind of thread starts first, for mixed scenarios only."""
        if self.gil_mode != "mixed":
            return "none"
        return f"{self.tokens[0]}_first"

    def columns(self) -> dict[str, object]:
        return {
            "scenario": self.name,
            "threads": self.threads,
            "gil_mode": self.gil_mode,
            "start_order": self.start_order,
        }


def parse(name: str) -> Scenario:
    """Parse ``name``; raise ``ValueError`` naming the allowed tokens otherwise."""
    if not isinstance(name, str) or not _FULL.match(name):
        raise ValueError(
            f"invalid scenario {name!r}: use a backend's modes ({' or '.join(TOKENS)} for the Fibonacci kernels) "
            f"joined by '{SEPARATOR}', one per thread in start order (e.g. 'nogil+gil')"
        )
    return Scenario(name=name, tokens=tuple(name.split(SEPARATOR)))


def tokens(scenario: str) -> tuple[str, ...]:
    """Thread tokens of a scenario name, in start order."""
    return tuple(scenario.split(SEPARATOR))


def scenario_sort_key(scenario: str) -> tuple[int, int, str]:
    """The blog's order (gil, nogil, gil+gil, nogil+gil, gil+nogil, nogil+nogil), then the rest."""
    canonical = ("gil", "nogil", "gil+gil", "nogil+gil", "gil+nogil", "nogil+nogil")
    if scenario in canonical:
        return (0, canonical.index(scenario), "")
    return (1, len(tokens(scenario)), scenario)


def identical(mode: str, threads: int) -> str:
    """The scenario of ``threads`` threads that all run ``mode``: ``call+call+call``."""
    if threads < 1:
        raise ValueError(f"a scenario has at least one thread, not {threads}")
    return SEPARATOR.join([mode] * threads)


def sweep(modes: Sequence[str], counts: Sequence[int]) -> list[str]:
    """The scenarios of a thread-count sweep: for each mode, 1..T identical threads for every T in ``counts``."""
    return [identical(mode, count) for mode in modes for count in sorted(set(counts))]


def baseline_scenarios(scenario: str) -> dict[str, float]:
    """Single-thread scenarios and weights whose sum is ``scenario``'s baseline.

    The baseline of k threads is the mean single-call time of its tokens
    (gil+gil -> gil, nogil+nogil -> nogil, nogil+gil -> (gil + nogil) / 2).
    So k calls run one after another give exactly k x, and perfect parallelism
    of equal calls 1 x, even when the gil and nogil copies differ in speed.
    """
    toks = tokens(scenario)
    counts = Counter(toks)
    return {tok: count / len(toks) for tok, count in sorted(counts.items())}
