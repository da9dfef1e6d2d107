"""Comparison with earlier runs (``compare_with``): what differs first, then every cell's verdict.

Present only when the compare rule ran. The section opens with what differs
between the runs (machine, Python, packages, compiler and flags, build
hashes), warns when the machines differ (cycles per iteration compare across
machines, wall times may not), then counts the verdicts and lists every cell.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from rtg.figures.compare import headline
from rtg.report.base import Inputs
from rtg.report.fmt import fmt_n, fmt_p, fmt_ratio, markdown_table, png_data_uri

ID = "compare"
TITLE = "Compared with earlier runs"


def load(paths: list[Path] | None) -> dict[str, Any] | None:
    """compare.csv, compare.json and the figure, or None without a comparison."""
    if not paths:
        return None
    by_suffix = {Path(p).suffix: Path(p) for p in paths}
    return {
        "table": pd.read_csv(by_suffix[".csv"]),
        "record": json.loads(by_suffix[".json"].read_text(encoding="utf-8")),
        "figure": by_suffix[".png"],
    }


def cells_display(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in table.iterrows():
        rows.append(
            {
                "earlier run": Path(str(r["earlier_run"])).name,
                "backend": r["backend"],
                "scenario": r["scenario"],
                "n": fmt_n(r["n"]),
                "processes (earlier / now)": f"{int(r['processes_earlier'])} / {int(r['processes_now'])}",
                "median earlier (ms)": "–" if pd.isna(r["median_earlier_s"]) else f"{r['median_earlier_s'] * 1e3:.2f}",
                "median now (ms)": "–" if pd.isna(r["median_now_s"]) else f"{r['median_now_s'] * 1e3:.2f}",
                "now ÷ earlier": fmt_ratio(r["ratio"], r["ratio_ci_low"], r["ratio_ci_high"]),
                "Holm p": fmt_p(r["p_holm"]),
                "verdict": r["verdict"],
            }
        )
    return pd.DataFrame(rows)


def _short(value: str) -> str:
    """A sha256 shown by its first 12 digits (compare.json keeps all 64)."""
    text = str(value)
    return text[:12] if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else text


def summary_lines(comparison: Mapping[str, Any]) -> list[str]:
    """Per earlier run: what differs, the cross-machine warning, then the verdict counts."""
    table, record = comparison["table"], comparison["record"]
    lines = []
    for entry in record["runs"]:
        folder = entry["folder"]
        diffs = entry["differences"]
        if diffs:
            listed = "; ".join(f"{d['what']}: {_short(d['earlier'])} → {_short(d['now'])}" for d in diffs)
            lines.append(f"Against {folder}, what differs: {listed}.")
        else:
            lines.append(f"Against {folder}: no difference in machine, Python, packages, flags or builds.")
        if entry.get("cross_machine"):
            lines.append(
                "These runs come from different machines: cycles per iteration compare across machines, "
                "wall times may not (clock, turbo and memory differ)."
            )
        mine = table[table["earlier_run"] == folder]
        lines.append(f"Verdicts (a change counts only when its whole 95 % CI lies beyond ±"
                     f"{record['threshold']:.0%}): {headline(mine)}.")  # fmt: skip
    return lines


def context(inputs: Inputs) -> dict[str, Any]:
    comparison = inputs.parts.get("comparison")
    if not comparison:
        return {"compare_present": False}
    return {
        "compare_present": True,
        "compare_title": TITLE,
        "compare_lines": summary_lines(comparison),
        "compare_cells": cells_display(comparison["table"]).to_dict("split"),
        "compare_figure": png_data_uri(comparison["figure"]),
        "compare_headline": headline(comparison["table"]),
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    comparison = parts.get("comparison")
    if not comparison:
        return []
    out = [f"## {TITLE}", ""]
    out += [f"- {line}" for line in summary_lines(comparison)]
    out += [
        "",
        markdown_table(cells_display(comparison["table"])),
        "",
        "- `figures/compare.png`: " + ctx["compare_headline"],
        "",
    ]
    return out
