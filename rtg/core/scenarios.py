"""Scenario strings: one token per thread, in start order ("nogil+gil").

The start order is the phenomenon the blog shows (a GIL-holding thread that
starts first blocks the releasing one), so it is encoded in the name itself
and derived columns are computed here, once, for every output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKENS: tuple[str, ...] = ("gil", "nogil")
SEPARATOR = "+"
#: Regular expression a scenario must match; also used as a Snakemake wildcard constraint.
PATTERN = r"(?:gil|nogil)(?:\+(?:gil|nogil))*"
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
            f"invalid scenario {name!r}: use tokens {' or '.join(TOKENS)} joined by "
            f"'{SEPARATOR}', one per thread in start order (e.g. 'nogil+gil')"
        )
    return Scenario(name=name, tokens=tuple(name.split(SEPARATOR)))
