"""Thread scaling: per function and interpreter, the speedup and parallel efficiency of T threads, with CIs.

Plain words first: how many calls scaled on each interpreter, then per
function what its largest thread count bought on each interpreter ("on
CPython 3.14t, sha256 of 1 KiB ran 1.90× faster on 2 threads; on CPython 3.14
it gained nothing"), oversubscribed cells named, the rule, the figure and the
table (results/scaling.csv, rtg/analysis/scaling.py). Shown when a function
ran on one thread and on more threads of the same call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import functions
from rtg.analysis import scaling as analysis
from rtg.figures import thread_scaling as figure
from rtg.report.base import Inputs
from rtg.report.fmt import _nan, markdown_table, png_data_uri

ID = "thread-scaling"
TITLE = "Thread scaling"
#: How the numbers are made, in words.
DEFINITION = (
    "Speedup = T·t(1)/t(T): T threads each make the call once, so T ÷ (their wall time ÷ one call's); its 95 % CI "
    "is the ratio's, turned over. Parallel efficiency = speedup ÷ T (100 % = ideal). The rule: "
)


def _interval(low: float, high: float) -> str:
    return "" if _nan(low) or _nan(high) else f" [{low:.2f}–{high:.2f}]"


def _labelled(found: pd.DataFrame) -> pd.DataFrame:
    """``found`` with the ``label`` each row's function is named by (rtg/analysis/functions.py)."""
    return found if "label" in found.columns else found.assign(label=functions.labels(found))


def gained(row: Mapping[str, Any]) -> str:
    """What T threads bought one function on one interpreter, by its judgement: 'ran 1.90× faster on 2 threads'."""
    t, value = int(row["threads"]), row["speedup"]
    interval = _interval(row["speedup_ci_low"], row["speedup_ci_high"])
    judgement = row["judgement"]
    if judgement == analysis.NO_GAIN:
        return f"gained nothing on {t} threads ({value:.2f}×{interval})"
    if judgement == analysis.SLOWER:
        return f"ran slower on {t} threads than on one ({value:.2f}×{interval})"
    if judgement == analysis.UNCLEAR:
        return f"ran {value:.2f}× as fast on {t} threads (no CI: one trial)"
    if judgement == analysis.SOME_GAIN and value < analysis.NO_GAIN_BELOW:
        # Its interval spans both "nothing" and a gain: no "faster" for a point estimate near or below 1.
        return f"ran {value:.2f}× as fast on {t} threads{interval}, too uncertain to say whether it gained"
    return f"ran {value:.2f}× faster on {t} threads{interval}, {row['efficiency']:.0%} of the ideal {t}×"


def _interpreter_order(found: pd.DataFrame) -> list[str]:
    """Free-threaded builds first (the headline's order), then GIL builds, each by name."""
    free = found.groupby("interpreter")["gil_disabled_build"].any()
    return sorted(free.index, key=lambda i: (not free[i], i))


def function_sentences(found: pd.DataFrame) -> list[str]:
    """One sentence per function (and n): what its largest thread count bought on each interpreter."""
    top = analysis.largest(_labelled(found))
    order = {name: i for i, name in enumerate(_interpreter_order(found))}
    lines = []
    for label, mine in top.groupby("label", sort=True):
        mine = mine.sort_values("interpreter", key=lambda s: s.map(order))
        parts = [f"on {functions.interpreter_name(r['interpreter'])} it {gained(r)}" for r in mine.to_dict("records")]
        lines.append(f"{label}: " + "; ".join(parts) + ".")
    return lines


def unexplained(found: pd.DataFrame) -> list[str]:
    """Calls that did not scale without a GIL: shown, and said plainly that this report does not know why."""
    top = analysis.largest(_labelled(found))
    stuck = top[~top["gil_enabled"].astype(bool) & top["judgement"].isin([analysis.NO_GAIN, analysis.SLOWER])]
    lines = []
    for interpreter, mine in stuck.groupby("interpreter", sort=True):
        names = ", ".join(sorted(set(mine["label"])))
        lines.append(
            f"On {functions.interpreter_name(interpreter)}, which has no GIL, {names} did not get faster with more "
            f"threads: something inside the call is still shared between the threads (a lock, or an object every "
            f"call touches), and this run cannot tell what."
        )
    return lines


def oversubscribed(found: pd.DataFrame) -> list[str]:
    """The cells whose threads outnumbered the CPUs, in words."""
    found = _labelled(found)
    over = found[found["oversubscribed"]]
    if over.empty:
        return []
    cells = ", ".join(
        f"{r['label']} on {int(r['threads'])} threads on {functions.interpreter_name(r['interpreter'])}"
        for r in over.to_dict("records")
    )
    return [
        f"Oversubscribed (more threads than CPUs): {cells}. Those threads shared CPUs, so a speedup below T "
        f"there says nothing about the code."
    ]


def builds(found: pd.DataFrame) -> list[str]:
    """What the grid lacks for the comparison the section exists for: a GIL build and a free-threaded one."""
    free = found["gil_disabled_build"].astype(bool)
    if free.all():
        return ["Only free-threaded builds ran: add a GIL build to interpreters to see what the GIL costs."]
    if not free.any():
        return [
            "Only GIL builds ran: add a free-threaded interpreter (e.g. 3.14t) to interpreters to see how the same "
            "calls scale without a GIL."
        ]
    return []


def sentences(found: pd.DataFrame) -> list[str]:
    return [
        analysis.headline(found) + ".",
        *function_sentences(found),
        *unexplained(found),
        *oversubscribed(found),
        *builds(found),
    ]


def _note(row: Mapping[str, Any]) -> str:
    notes = ["oversubscribed"] if row["oversubscribed"] else []
    if row["gil_enabled"] and row["gil_disabled_build"]:
        notes.append("GIL re-enabled by the kernel's import")
    return ", ".join(notes)


def table_display(found: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {
            "function": r["label"],
            "interpreter": r["interpreter"],
            "build": "free-threaded" if r["gil_disabled_build"] else "GIL",
            "threads": int(r["threads"]),
            "speedup [95 % CI]": f"{r['speedup']:.2f}×{_interval(r['speedup_ci_low'], r['speedup_ci_high'])}",
            "efficiency": "–" if _nan(r["efficiency"]) else f"{r['efficiency']:.0%}",
            "note": _note(r),
        }
        for r in _labelled(found).to_dict("records")
    ]
    return pd.DataFrame(rows)


def context(inputs: Inputs) -> dict[str, Any]:
    found = inputs.parts.get("scaling")
    if found is None or not len(found):
        return {"thread_scaling_present": False}
    return {
        "thread_scaling_present": True,
        "thread_scaling_title": TITLE,
        "thread_scaling_lines": sentences(found),
        "thread_scaling_rule": DEFINITION + analysis.RULE + ".",
        "thread_scaling_table": table_display(found).to_dict("split"),
        "thread_scaling_figures": [
            {"name": name, "caption": caption, "src": png_data_uri(inputs.figure_paths[name])}
            for name, caption in figure.FIGURES.items()
            if name in inputs.figure_paths
        ],
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    if not ctx.get("thread_scaling_present"):
        return []
    split = ctx["thread_scaling_table"]
    lines = [f"- {line}" for line in ctx["thread_scaling_lines"]]
    out = [f"## {TITLE}", "", *lines, "", ctx["thread_scaling_rule"], ""]
    figures = [f"- `figures/{f['name']}.png`: {f['caption']}" for f in ctx["thread_scaling_figures"]]
    if figures:
        out += [*figures, ""]
    return [
        *out,
        markdown_table(pd.DataFrame(split["data"], columns=split["columns"])),
        "Every row is in results/scaling.csv.",
        "",
    ]
