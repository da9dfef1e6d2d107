"""How close to the hardware: cycles per loop iteration from the calibrated clock."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from rtg.analysis import stats
from rtg.report.base import Inputs
from rtg.report.fmt import markdown_table

ID = "cycles"


def cycles_display(cycles: pd.DataFrame | None) -> pd.DataFrame:
    """Cycles per loop iteration per single-thread grid point, for the report."""
    columns = ["backend", "scenario", "n", "trials", "ns/iteration", "cycles/iteration", "by CPU time", "flagged"]
    if cycles is None or cycles.empty:
        return pd.DataFrame(columns=columns)
    extra = [c for c in stats.OPTIONAL_KEY_COLUMNS if c in cycles.columns and cycles[c].nunique() > 1]
    out = pd.DataFrame(
        {
            "backend": cycles["backend"],
            **{c: cycles[c] for c in extra},
            "scenario": cycles["scenario"],
            "n": cycles["n"].map(lambda v: f"{int(v):,}"),
            "trials": cycles["trials"],
            "ns/iteration": cycles["ns_per_iteration"].map(lambda v: f"{v:.3f}"),
            "cycles/iteration": cycles["cycles_per_iteration"].map(lambda v: f"{v:.2f}"),
            "by CPU time": cycles["cycles_per_iteration_cpu"].map(lambda v: "–" if pd.isna(v) else f"{v:.2f}"),
            "flagged": stats.truthy(cycles["flagged"]).map({True: "> 1.10", False: ""}),
        }
    )
    return out.reset_index(drop=True)


def load_cycles(path: str | Path | None) -> pd.DataFrame | None:
    """The cycles/iteration table (rule cycles), or None when it is absent."""
    if not path or not Path(path).exists():
        return None
    return pd.read_csv(path)


def context(inputs: Inputs) -> dict[str, Any]:
    parts = inputs.parts
    return {"cycles": parts["cycles"].to_dict("split")}


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    cycles = parts["cycles"]
    return [
        "## Cycles per loop iteration",
        "",
        markdown_table(cycles) if len(cycles) else "Not measured (no calibration).",
    ]
