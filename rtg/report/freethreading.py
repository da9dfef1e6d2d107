"""With and without the GIL: a free-threaded interpreter next to a GIL build, cell by cell.

Shown whenever the grid ran a free-threaded interpreter. Plain words first
(did the pair run in parallel without a GIL, what free-threading costs one
thread), then the same scenarios side by side, the single-thread cost per
backend, any GIL that an import switched back on, the backends that were not
available there and why, and the pure-Python contention finding with the
loop that tests its explanation (rtg/analysis/freethreading.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import freethreading
from rtg.report.answer import non_releasing
from rtg.report.base import Inputs
from rtg.report.fmt import _nan, fmt_ratio_short, markdown_table

ID = "freethreading"
TITLE = "With and without the GIL"

#: The explanation of the pure-Python result (tested by the python_private backend: see docs/free-threading.md).
CONTENTION_WHY = (
    "In a free-threaded build every object carries two reference counts: the thread that created it updates its "
    "own cheaply, every other thread updates a shared one with atomic instructions (biased reference counting, "
    "PEP 703). The pure-Python loop masks with the module's constant MASK64 (one int object) in every iteration, "
    "so both threads update the shared count of that one object millions of times and its cache line bounces "
    "between the cores: that, not a lock, keeps two threads that run side by side from running at full speed."
)


def _ns(value: float, low: float, high: float) -> str:
    if _nan(value):
        return "–"
    return f"{value:.3g} ns" + ("" if _nan(low) or _nan(high) else f" [{low:.3g}–{high:.3g}]")


def _ms(seconds: float) -> str:
    return "–" if _nan(seconds) else f"{seconds * 1e3:.3g} ms"


def side_by_side_display(table: pd.DataFrame, free: str, gil: str) -> pd.DataFrame:
    if not len(table):
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "backend": table["backend"],
            "scenario": table["scenario"],
            "n": table["n"].map(lambda n: f"{int(n):,}"),
            f"{gil}: wall": table["gil_wall_s"].map(_ms),
            f"{gil}: ÷ one call": [
                fmt_ratio_short(r.gil_ratio, r.gil_ratio_ci_low, r.gil_ratio_ci_high) for r in table.itertuples()
            ],
            f"{free}: wall": table["free_wall_s"].map(_ms),
            f"{free}: ÷ one call": [
                fmt_ratio_short(r.free_ratio, r.free_ratio_ci_low, r.free_ratio_ci_high)
                + (" (GIL re-enabled)" if r.free_gil_enabled else "")
                for r in table.itertuples()
            ],
        }
    )


def cost_display(table: pd.DataFrame, free: str, gil: str) -> pd.DataFrame:
    if not len(table):
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "backend": table["backend"],
            "one call": table["scenario"],
            "n": table["n"].map(lambda n: f"{int(n):,}"),
            f"{gil}: per iteration": [_ns(r.gil_ns, r.gil_ns_ci_low, r.gil_ns_ci_high) for r in table.itertuples()],
            f"{free}: per iteration": [_ns(r.free_ns, r.free_ns_ci_low, r.free_ns_ci_high) for r in table.itertuples()],
            "free-threaded ÷ GIL": [fmt_ratio_short(r.cost, r.cost_ci_low, r.cost_ci_high) for r in table.itertuples()],
        }
    )


def plain_words(sides: pd.DataFrame, cost: pd.DataFrame, free: str, gil: str, same_version: bool) -> list[str]:
    """What the person deciding where to release the GIL needs from this pair, first."""
    lines = []
    if len(sides):  # the pure-Python loops have their own paragraph (contention_lines)
        compiled = ~sides["backend"].isin(non_releasing(sides["backend"].unique()))
        pairs = sides[(sides["scenario"] == "gil+gil") & ~sides["free_gil_enabled"] & compiled]
    else:
        pairs = sides
    if len(pairs):
        text = ", ".join(
            f"{r.backend} {fmt_ratio_short(r.free_ratio, r.free_ratio_ci_low, r.free_ratio_ci_high)} "
            f"(with the GIL {fmt_ratio_short(r.gil_ratio, r.gil_ratio_ci_low, r.gil_ratio_ci_high)})"
            for r in pairs.itertuples()
        )
        parallel = all(r.free_ratio_ci_high < freethreading.PARALLEL_BELOW for r in pairs.itertuples())
        lines.append(
            f"Two GIL-holding threads on {free} took {text} the time of one call"
            + (
                ": without a GIL they ran in parallel with no release at all, so where to release the GIL "
                "matters only on interpreters with one."
                if parallel
                else "."
            )
        )
    if len(cost):
        text = ", ".join(
            f"{r.backend} {fmt_ratio_short(r.cost, r.cost_ci_low, r.cost_ci_high)}" for r in cost.itertuples()
        )
        lines.append(
            f"One thread alone on {free} took {text} its time on {gil}: the single-thread cost of free-threading."
        )
    if not same_version:
        lines.append(
            f"{free} and {gil} are different versions, so these differences mix the GIL with the version; "
            f"build the same version both ways (tools/build-python.sh VERSION and VERSION --disable-gil) to isolate it."
        )
    return lines


def contention_lines(summary: pd.DataFrame, free: str) -> list[str]:
    """The pure-Python finding in numbers, its explanation, and the test of the explanation when it ran."""
    found = freethreading.contention(summary, free)
    if found is None:
        return []
    shared, private = found["shared"], found["private"]
    lines = [
        f"Pure Python on {free}: two threads running the loop at once took "
        f"{fmt_ratio_short(shared['ratio'], shared['ratio_ci_low'], shared['ratio_ci_high'])} one call "
        f"(median overlap {found['overlap']:.0%})"
        + (", slower than running the two calls one after the other." if found["slower"] else ".")
    ]
    if found["slower"] or (not _nan(shared["ratio_ci_low"]) and shared["ratio_ci_low"] > freethreading.CONTENDED_ABOVE):
        lines.append(CONTENTION_WHY)
        if private is not None:
            lines.append(
                f"The test: the same loop with a mask object made by each thread itself "
                f"({freethreading.PRIVATE_OBJECT_BACKEND}) took "
                f"{fmt_ratio_short(private['ratio'], private['ratio_ci_low'], private['ratio_ci_high'])} one call."
            )
        else:
            lines.append(
                f"Add the backend {freethreading.PRIVATE_OBJECT_BACKEND} (the same loop, each thread with its own "
                f"mask object) to the grid to test this explanation on your machine."
            )
    return lines


def not_available_display(environment: Mapping[str, Any]) -> pd.DataFrame:
    rows = environment.get("not_available") or []
    return pd.DataFrame(rows, columns=["interpreter", "backend", "reason"])


def context(inputs: Inputs) -> dict[str, Any]:
    summary, timings = inputs.parts["summary"], inputs.timings
    free_labels = freethreading.free_threaded(timings)
    if not free_labels:
        return {"freethreading_present": False}
    pairs = []
    for free, gil, same in freethreading.pairs(timings):
        sides = freethreading.side_by_side(summary, free, gil)
        cost = freethreading.single_thread_cost(timings, free, gil)
        pairs.append(
            {
                "free": free,
                "gil": gil,
                "lines": plain_words(sides, cost, free, gil, same),
                "sides": side_by_side_display(sides, free, gil).to_dict("split"),
                "cost": cost_display(cost, free, gil).to_dict("split"),
            }
        )
    back_on = freethreading.reenabled(timings)
    return {
        "freethreading_present": True,
        "freethreading_title": TITLE,
        "freethreading_alone": [] if pairs else free_labels,
        "freethreading_pairs": pairs,
        "freethreading_reenabled": [
            f"Importing the {r.backend} kernel on {r.interpreter} switched the GIL back on in {r.trials} trial(s): "
            f"its module does not declare free-threading support (Cython: freethreading_compatible=True; C: "
            f"Py_mod_gil), so those cells measured a GIL build."
            for r in back_on.itertuples()
        ],
        "freethreading_contention": [line for free in free_labels for line in contention_lines(summary, free)],
        "freethreading_unavailable": not_available_display(inputs.environment).to_dict("split"),
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    if not ctx.get("freethreading_present"):
        return []
    out = [f"## {TITLE}", ""]
    for label in ctx["freethreading_alone"]:
        out += [f"- {label} ran without a GIL build to compare with: add one to 'interpreters'.", ""]
    for pair in ctx["freethreading_pairs"]:
        out += [f"### {pair['free']} against {pair['gil']}", "", *[f"- {line}" for line in pair["lines"]], ""]
        for name in ("sides", "cost"):
            if pair[name].get("data"):
                out += [markdown_table(pd.DataFrame(**pair[name])), ""]
    out += [f"- {line}" for line in ctx["freethreading_reenabled"] + ctx["freethreading_contention"]]
    if ctx["freethreading_unavailable"].get("data"):
        out += ["", "Not available (no trial ran, nothing failed):", "",
                markdown_table(pd.DataFrame(**ctx["freethreading_unavailable"]))]  # fmt: skip
    return [*out, ""]
