"""Start order: the rank test of gil-first against nogil-first, Holm-corrected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import stats
from rtg.report.base import Inputs
from rtg.report.fmt import fmt_n, fmt_p, fmt_ratio, markdown_table

ID = "start-order"


def order_tests_display(tests: pd.DataFrame) -> pd.DataFrame:
    rows = []
    keys = [c for c in stats.group_key_columns(tests) if c in tests.columns]
    for _, r in tests.iterrows():
        row = {k: (fmt_n(r[k]) if k == "n" else str(r[k])) for k in keys}
        row.update(
            {
                "comparison": r["comparison"],
                "trials": f"{r['n_first']} vs {r['n_second']}",
                "ratio of medians": fmt_ratio(r["ratio"], r["ratio_ci_low"], r["ratio_ci_high"]),
                "rank-biserial r": f"{r['effect_rank_biserial']:+.2f}",
                "Mann–Whitney p": fmt_p(r["p_value"]),
                "Holm p": fmt_p(r["p_holm"]),
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def context(inputs: Inputs) -> dict[str, Any]:
    parts = inputs.parts
    return {"order_tests": order_tests_display(parts["order_tests"]).to_dict("split")}


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    return ["## Start order", "", markdown_table(order_tests_display(parts["order_tests"]))]
