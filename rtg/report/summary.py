"""The summary per cell: medians, CIs, spread, ratios to one call, overlap."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import stats
from rtg.report.base import Inputs
from rtg.report.fmt import _nan, fmt_ms, fmt_n, fmt_ratio_short, markdown_table

ID = "summary"


def summary_display(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary table as strings with units, for HTML and Markdown."""
    keys = stats.cell_key_columns(summary)
    rows = []
    for _, r in summary.iterrows():
        row = {k: (fmt_n(r[k]) if k == "n" else str(r[k])) for k in keys}
        row.update(
            {
                "trials": f"{int(r['count'])}" + (f" (+{int(r['incorrect'])} wrong)" if r["incorrect"] else ""),
                "wall median (ms)": fmt_ms(r["wall_median"]),
                "95 % CI (ms)": "–"
                if _nan(r["wall_ci_low"])
                else f"{fmt_ms(r['wall_ci_low'])}–{fmt_ms(r['wall_ci_high'])}",
                "IQR (ms)": fmt_ms(r["wall_iqr"]),
                "min–max (ms)": f"{fmt_ms(r['wall_min'])}–{fmt_ms(r['wall_max'])}",
                "CV": "–" if _nan(r["wall_cv"]) else f"{r['wall_cv']:.1%}",
                "outliers": str(int(r["wall_outliers"])),
                "CPU median (ms)": fmt_ms(r["cpu_median"]),
                "÷ one call [95 % CI]": fmt_ratio_short(
                    r.get("ratio", math.nan),
                    r.get("ratio_ci_low", math.nan),
                    r.get("ratio_ci_high", math.nan),
                ),
                "overlap": "–" if _nan(r["overlap_fraction_median"]) else f"{r['overlap_fraction_median']:.0%}",
                "busy cores": "–"
                if _nan(r["parallel_efficiency_median"])
                else f"{r['parallel_efficiency_median']:.2f}",
                "ns/iteration": "–" if _nan(r["ns_per_iter_median"]) else f"{r['ns_per_iter_median']:.3f}",
                "last start (ms)": "–" if _nan(r["start_delay_ms_median"]) else f"{r['start_delay_ms_median']:.1f}",
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def context(inputs: Inputs) -> dict[str, Any]:
    parts = inputs.parts
    return {"summary": summary_display(parts["summary"]).to_dict("split")}


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    return ["## Summary per cell", "", markdown_table(summary_display(parts["summary"]))]
