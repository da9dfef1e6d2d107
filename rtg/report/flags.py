"""Is the measurement sound? The anomaly flags, digested by kind, then one per cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.report.base import Inputs
from rtg.report.fmt import markdown_table

ID = "flags"


def group_flags(flags: pd.DataFrame, max_cells: int = 6) -> list[dict]:
    """One line per severity and kind: how many cells, which, and one example.

    The full list can run to dozens of rows on a noisy machine; the head of
    the report shows this digest, the table follows in a collapsed block.
    """
    groups = []
    for (severity, kind), rows in flags.groupby(["severity", "kind"], sort=False):
        cells = list(dict.fromkeys(rows["cell"]))
        shown = ", ".join(cells[:max_cells]) + (f" and {len(cells) - max_cells} more" if len(cells) > max_cells else "")
        groups.append(
            {
                "severity": severity,
                "kind": kind,
                "count": len(cells),
                "cells": shown,
                "example": rows.iloc[0]["message"],
            }
        )
    return groups


def context(inputs: Inputs) -> dict[str, Any]:
    parts = inputs.parts
    flags = parts["flags"]
    return {"flags": flags.to_dict("records"), "flag_groups": group_flags(flags)}


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    return ["## Flags", "", markdown_table(parts["flags"])]
