"""The blog's claims, re-judged: our ratio with its CI against the claim's band."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import claims as blog_claims
from rtg.report.base import Inputs
from rtg.report.fmt import _nan, fmt_n, markdown_table, with_spans

ID = "claims"


def claims_display(table: pd.DataFrame) -> pd.DataFrame:
    """The claims table as strings."""
    rows = []
    for _, r in table.iterrows():
        measured = "–" if _nan(r["measured"]) else f"{r['measured']:.2f}"
        ci = "–" if _nan(r["ci_low"]) else f"{r['ci_low']:.2f}–{r['ci_high']:.2f}"
        band = "–" if _nan(r["band_low"]) else f"{r['band_low']:g}–{r['band_high']:g}"
        backend = r["backend"] + (f" ({r['context']})" if r["context"] else "")
        rows.append(
            {
                "#": str(r["claim"]),
                "claim": r["statement"],
                "backend": backend,
                "measure": r["measure"],
                "n": fmt_n(r["n"]),
                "blog": "–" if _nan(r["blog_value"]) else f"{r['blog_value']:.2f}",
                "measured": measured,
                "95 % CI": ci,
                "reproduced if CI within": band,
                "verdict": r["verdict"],
                "detail": r["detail"],
            }
        )
    return pd.DataFrame(rows)


def context(inputs: Inputs) -> dict[str, Any]:
    parts = inputs.parts
    rows = claims_display(parts["claims"])
    return {
        "claims_columns": list(rows.columns),
        "claims": with_spans(rows.to_dict("records"), ("#", "claim")),
        "verdict_rule": blog_claims.VERDICT_RULE,
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    return [
        "## Claims",
        "",
        f"Verdict rule: {ctx['verdict_rule']}",
        "",
        markdown_table(claims_display(parts["claims"])),
    ]
