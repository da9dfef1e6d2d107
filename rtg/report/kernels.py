"""Your own kernels: where each came from, how its values were checked, and what bounds it.

Shown when the grid has a kernel from ``kernel_paths`` or one that declares its
memory traffic. For a memory-bound kernel the sentence comes first: how much
two threads gained, and how much of the machine's memory bandwidth one thread
had already used (rtg/analysis/memory.py, rtg/machine/bandwidth.py), next to the register-bound
Fibonacci loop of the same grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from rtg.analysis import memory
from rtg.report.base import Inputs
from rtg.report.fmt import _nan, fmt_ratio_short, markdown_table

ID = "kernels"
TITLE = "Your own kernels"

CHECKS = {
    "fibonacci": "F(n) mod 2^64 (the built-in reference)",
    "reference": "its own reference(n), for every call",
    "agreement": "agreement only: no independent reference, so every entry point and thread had to return what "
    "the first untimed call returned (a wrong but consistent kernel would pass)",
}


def _gbps(value: float) -> str:
    return "–" if _nan(value) else f"{value / 1e9:.1f} GB/s"


def sentences(table: pd.DataFrame) -> list[str]:
    """The plain-words answer per memory-bound kernel: the gain of a second thread and why."""
    lines = []
    several = len(table) and table["interpreter"].nunique() > 1
    for r in table.itertuples():
        where = f"{r.backend}" + (f" ({r.interpreter})" if several else "")
        if _nan(r.two_threads_bytes_per_s) or _nan(r.one_thread_bytes_per_s):
            lines.append(f"{where}: run the scenarios nogil and nogil+nogil to see what a second thread gains.")
            continue
        gain = r.two_threads_bytes_per_s / r.one_thread_bytes_per_s
        text = (
            f"{where}: two threads got {gain:.2f}× the bytes per second of one "
            f"({_gbps(r.one_thread_bytes_per_s)} → {_gbps(r.two_threads_bytes_per_s)}; the pair took "
            f"{fmt_ratio_short(r.ratio, r.ratio_ci_low, r.ratio_ci_high)} one call)"
        )
        if not _nan(r.used_by_one):
            verb = "read" if r.memory_traffic == "read" else "copy"
            text += (
                f", because one thread alone already used {r.used_by_one:.0%} of the memory bandwidth two threads "
                f"can {verb} on this machine ({_gbps(r.machine_two_bytes_per_s)}; one thread: "
                f"{_gbps(r.machine_one_bytes_per_s)})"
            )
        if r.register_bound_backend and not _nan(r.register_bound_ratio):
            fib_gain = 2 / r.register_bound_ratio
            fib = fmt_ratio_short(r.register_bound_ratio, r.register_bound_ci_low, r.register_bound_ci_high)
            text += (
                f". The register-bound Fibonacci loop ({r.register_bound_backend}) gained {fib_gain:.2f}× "
                f"(nogil+nogil {fib} one call)"
            )
        lines.append(text + ".")
    return lines


def memory_display(table: pd.DataFrame) -> pd.DataFrame:
    if not len(table):
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "backend": table["backend"],
            "n": table["n"].map(lambda n: f"{int(n):,}"),
            "bytes/iteration": table["bytes_per_iteration"],
            "one thread": table["one_thread_bytes_per_s"].map(_gbps),
            "two threads": table["two_threads_bytes_per_s"].map(_gbps),
            "nogil+nogil ÷ one call": [
                fmt_ratio_short(r.ratio, r.ratio_ci_low, r.ratio_ci_high) for r in table.itertuples()
            ],
            "Fibonacci nogil+nogil ÷ one call": [
                fmt_ratio_short(r.register_bound_ratio, r.register_bound_ci_low, r.register_bound_ci_high)
                for r in table.itertuples()
            ],
            "machine, 1 / 2 threads": [
                f"{_gbps(r.machine_one_bytes_per_s)} / {_gbps(r.machine_two_bytes_per_s)} ({r.memory_traffic})"
                for r in table.itertuples()
            ],
            "one thread ÷ machine's 2 threads": table["used_by_one"].map(lambda v: "–" if _nan(v) else f"{v:.0%}"),
        }
    )


def kernels_display(facts: Mapping[str, Mapping]) -> pd.DataFrame:
    rows = [
        {
            "backend": name,
            "module": fact["file"],
            "values checked against": CHECKS.get(fact["check"], fact["check"]),
            "bytes/iteration": fact.get("bytes_per_iteration") or "–",
        }
        for name, fact in facts.items()
        if not fact.get("builtin")
    ]
    return pd.DataFrame(rows, columns=["backend", "module", "values checked against", "bytes/iteration"])


def context(inputs: Inputs) -> dict[str, Any]:
    facts = inputs.environment.get("kernels") or {}
    own = any(not f.get("builtin") for f in facts.values())
    bounded = any(f.get("bytes_per_iteration") for f in facts.values())
    if not (own or bounded):
        return {"kernels_present": False}
    table = memory.memory_table(inputs.parts["summary"], facts, inputs.parts.get("bandwidth"))
    return {
        "kernels_present": True,
        "kernels_title": TITLE,
        "kernels_lines": sentences(table),
        "kernels_memory": memory_display(table).to_dict("split"),
        "kernels_own": kernels_display(facts).to_dict("split"),
        "kernels_bandwidth_method": (inputs.parts.get("bandwidth") or {}).get("method", ""),
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    if not ctx.get("kernels_present"):
        return []
    out = [f"## {TITLE}", "", *[f"- {line}" for line in ctx["kernels_lines"]], ""]
    for name in ("kernels_memory", "kernels_own"):
        if ctx[name].get("data"):
            out += [markdown_table(pd.DataFrame(**ctx[name])), ""]
    if ctx["kernels_bandwidth_method"]:
        out += [f"Machine bandwidth: {ctx['kernels_bandwidth_method']}.", ""]
    return out
