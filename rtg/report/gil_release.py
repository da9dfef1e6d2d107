"""Which calls release the GIL: per call and per interpreter with a GIL, two threads ÷ one, the verdict, the source.

Plain words first, with numbers: how many calls release the GIL on each
interpreter and which, then the rule, then each verdict held against what the
called code's source says, every disagreement named. The table is
results/gil_release.csv in words (rtg/analysis/gil_release.py). Shown when a
call ran on one thread and on two threads of one process on an interpreter
with a GIL: the blog's Cython and Numba pairs are calls too (cython_gil holds
it, cython_nogil releases it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import functions
from rtg.analysis import gil_release as analysis
from rtg.report.base import Inputs
from rtg.report.fmt import _nan, fmt_ratio_short, markdown_table

ID = "gil-release"
TITLE = "Which calls release the GIL"

#: What the heartbeat's stall share is, in words.
HEARTBEAT = (
    "The heartbeat's stall share is the share of one call's time during which a Python thread beside it could not "
    "run: near 100 % when the call holds the GIL, near 0 % when it releases it. With one worker beside the "
    "heartbeat the CPUs are not contended, so a stall is the GIL's."
)
AGREES = {True: "yes", False: "NO: disagrees", None: "–"}


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the ``label`` each row's function is named by (rtg/analysis/functions.py)."""
    return table if "label" in table.columns else table.assign(label=functions.labels(table))


def _ratio(row: Mapping[str, Any], first: bool) -> str:
    """'two threads took 1.03× one call [1.01–1.06]' for the first call named, '2.04× [1.98–2.10]' after it."""
    value, low, high = row["ratio"], row["ratio_ci_low"], row["ratio_ci_high"]
    interval = "" if _nan(low) or _nan(high) else f" [{low:.2f}–{high:.2f}]"
    return f"two threads took {value:.2f}× one call{interval}" if first else f"{value:.2f}×{interval}"


def _item(row: Mapping[str, Any], first: bool) -> str:
    notes = [_ratio(row, first)]
    if not _nan(row["stall_share"]):
        notes.append(f"heartbeat stalled {row['stall_share']:.0%}")
    if row["oversubscribed"]:
        notes.append("oversubscribed")
    if row["gil_disabled_build"]:
        notes.append("GIL re-enabled by the kernel's import")
    return f"{row['label']} ({', '.join(notes)})"


def interpreter_sentence(rows: pd.DataFrame) -> str:
    """'On CPython 3.11.7, 3 of 7 calls release the GIL: ...; 3 hold it: ...; 1 partly releases it: ...'."""
    records = rows.to_dict("records")
    total = len(records)
    by = {v: [r for r in records if r["verdict"] == v] for v in analysis.VERDICTS}
    named = iter(range(total))  # the first call named gets the words, the rest the numbers

    def items(group: list[dict]) -> str:
        return ", ".join(_item(r, next(named) == 0) for r in group)

    released = by[analysis.RELEASES]
    name = functions.interpreter_name(records[0]["interpreter"])
    head = (
        f"On {name}, {len(released)} of {total} call{'' if total == 1 else 's'} "
        f"release{'s' if len(released) == 1 or total == 1 else ''} the GIL"
    )
    parts = [head + (f": {items(released)}" if released else "")]
    if by[analysis.HOLDS]:
        k = len(by[analysis.HOLDS])
        parts.append(f"{k} hold{'s' if k == 1 else ''} it: {items(by[analysis.HOLDS])}")
    if by[analysis.PARTLY]:
        k = len(by[analysis.PARTLY])
        parts.append(f"{k} partly release{'s' if k == 1 else ''} it: {items(by[analysis.PARTLY])}")
    if by[analysis.UNCLEAR]:
        k = len(by[analysis.UNCLEAR])
        parts.append(
            f"{k} {'is' if k == 1 else 'are'} unclear (the CI crosses {analysis.RELEASES_BELOW:g}× or "
            f"{analysis.HOLDS_ABOVE:g}×, or there is none): {items(by[analysis.UNCLEAR])}"
        )
    return "; ".join(parts) + "."


def source_sentences(table: pd.DataFrame) -> list[str]:
    """Each verdict held against the source: how many agree, every disagreement by name, what has no claim."""
    table = labelled(table)
    if table["source_says"].isna().all():
        return [
            "No kernel here states what its source says about the GIL (SOURCE_SAYS, kernels/__init__.py), so no "
            "verdict is held against a source."
        ]
    interpreters = table["interpreter"].nunique() > 1
    known = table[table["agrees"].map(lambda a: analysis.known(a) is not None)]
    against = analysis.disagreements(table)
    lines = []
    if len(known):
        agree = len(known) - len(against)
        text = f"Against the source: {agree} of {len(known)} verdicts agree with what the called code's source says"
        if len(against):
            text += f"; {len(against)} disagree{'s' if len(against) == 1 else ''}: " + "; ".join(
                f"{r['label']}"
                + (f" on {functions.interpreter_name(r['interpreter'])}" if interpreters else "")
                + f" was measured to {_verb(r['verdict'])} the GIL where its source says it {r['source_says']}"
                + (f" ({r['source_cites']})" if r["source_cites"] else "")
                for r in against.to_dict("records")
            )
        lines.append(text + ".")
    silent = sorted(set(table.loc[table["source_says"].isna(), "function"]))
    if silent:
        lines.append(
            f"No source claim for {', '.join(silent)}: "
            + ("its verdict stands alone." if len(silent) == 1 else "their verdicts stand alone.")
        )
    unclear = table[table["source_says"].notna() & (table["verdict"] == analysis.UNCLEAR)]
    if len(unclear):
        lines.append(f"Not held against the source, being unclear: {', '.join(sorted(set(unclear['function'])))}.")
    return lines


def _verb(verdict: str) -> str:
    return {"releases": "release", "holds": "hold", "partly": "partly release"}.get(verdict, verdict)


def sentences(table: pd.DataFrame, free: list[str]) -> list[str]:
    """The section's plain words: one sentence per interpreter, oversubscription, the heartbeat, the free builds."""
    table = labelled(table)
    lines = [interpreter_sentence(rows) for _, rows in table.groupby("interpreter", sort=True)]
    over = table[table["oversubscribed"]]
    if len(over):
        cells = ", ".join(
            f"{r['label']} on {functions.interpreter_name(r['interpreter'])}" for r in over.to_dict("records")
        )
        lines.append(
            f"Oversubscribed: the two threads of {cells} had fewer than two CPUs, so they shared one and their "
            f"ratio says nothing about the GIL."
        )
    if table["stall_share"].isna().all():
        lines.append(
            "No stall share was measured: the heartbeat was off (heartbeat: false), or the trials are from before "
            "it was recorded."
        )
    if free:
        names = ", ".join(functions.interpreter_name(f) for f in free)
        lines.append(f"Calls that ran without a GIL (on {names}) are not judged here: see “Thread scaling”.")
    return lines


def table_display(table: pd.DataFrame) -> pd.DataFrame:
    """The table in words: each verdict beside the source's claim."""
    table = labelled(table)
    rows = [
        {
            "function": r["label"],
            "interpreter": r["interpreter"],
            "build": "free-threaded, GIL re-enabled by import" if r["gil_disabled_build"] else "GIL",
            "two threads ÷ one [95 % CI]": fmt_ratio_short(r["ratio"], r["ratio_ci_low"], r["ratio_ci_high"]),
            "heartbeat stalled (one call)": "–" if _nan(r["stall_share"]) else f"{r['stall_share']:.0%}",
            "verdict": r["verdict"] + (" (oversubscribed)" if r["oversubscribed"] else ""),
            "source says": r["source_says"] if isinstance(r["source_says"], str) else "–",
            "agrees": AGREES[analysis.known(r["agrees"])],
            "where": r["source_cites"] or "–",
        }
        for r in table.to_dict("records")
    ]
    return pd.DataFrame(rows)


def _free_interpreters(inputs: Inputs) -> list[str]:
    found = inputs.parts.get("scaling")
    if found is None or not len(found):
        return []
    return sorted(set(found.loc[~found["gil_enabled"].astype(bool), "interpreter"]))


def context(inputs: Inputs) -> dict[str, Any]:
    table = inputs.parts.get("gil_release")
    if table is None or not len(table):
        return {"gil_release_present": False}
    table = labelled(table)
    return {
        "gil_release_present": True,
        "gil_release_title": TITLE,
        "gil_release_lines": sentences(table, _free_interpreters(inputs)),
        "gil_release_rule": f"The rule: a call {analysis.RULE}. {HEARTBEAT}",
        "gil_release_sources": source_sentences(table),
        "gil_release_table": table_display(table).to_dict("split"),
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    if not ctx.get("gil_release_present"):
        return []
    split = ctx["gil_release_table"]
    return [
        f"## {TITLE}",
        "",
        *[f"- {line}" for line in ctx["gil_release_lines"]],
        "",
        ctx["gil_release_rule"],
        "",
        *[f"- {line}" for line in ctx["gil_release_sources"]],
        "",
        markdown_table(pd.DataFrame(split["data"], columns=split["columns"])),
        "Every row is in results/gil_release.csv.",
        "",
    ]
