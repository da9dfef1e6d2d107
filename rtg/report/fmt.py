"""Numbers and tables as the report prints them: units, CIs, dashes for what was not measured."""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

import pandas as pd


def _nan(x: Any) -> bool:
    try:
        return x is None or bool(pd.isna(x)) or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def fmt_ratio(value: float, low: float = math.nan, high: float = math.nan) -> str:
    """'2.01× (95 % CI 1.99–2.03)', or '–' when not measured."""
    if _nan(value):
        return "–"
    text = f"{value:.2f}×"
    if not _nan(low) and not _nan(high):
        text += f" (95 % CI {low:.2f}–{high:.2f})"
    return text


def fmt_ms(seconds: float) -> str:
    return "–" if _nan(seconds) else f"{seconds * 1e3:.1f}"


def fmt_n(n: Any) -> str:
    return "–" if _nan(n) else f"{int(n):,}"


def fmt_p(p: float) -> str:
    if _nan(p):
        return "–"
    return f"{p:.2g}" if p >= 0.001 else "< 0.001"


def fmt_ratio_short(value: float, low: float = math.nan, high: float = math.nan) -> str:
    """'2.01× [1.99–2.03]': the ratio and its 95 % CI for running text."""
    if _nan(value):
        return "–"
    return f"{value:.2f}×" + ("" if _nan(low) or _nan(high) else f" [{low:.2f}–{high:.2f}]")


def with_spans(records: list[dict], columns: tuple[str, ...]) -> list[dict]:
    """Add ``_span``: rows a merged cell of ``columns`` covers (0 = covered by the row above).

    The claim's statement then appears once per claim in the HTML table.
    """
    out = [dict(r) for r in records]
    i = 0
    while i < len(out):
        j = i
        while j + 1 < len(out) and all(out[j + 1][c] == out[i][c] for c in columns):
            j += 1
        out[i]["_span"] = j - i + 1
        for k in range(i + 1, j + 1):
            out[k]["_span"] = 0
        i = j + 1
    return out


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    if df.empty:
        return "_(none)_\n"

    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(c) for c in df.columns) + " |",
        "| " + " | ".join("---" for _ in df.columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def png_data_uri(path: Path) -> str:
    """The PNG at ``path`` as a data: URI, so the HTML needs no other file."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")
