"""The answer in three sentences: did releasing the GIL buy parallelism, does start order matter, the claims."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

import kernels
from rtg.analysis import anomalies, claims, stats
from rtg.core import scenarios
from rtg.report.base import Inputs
from rtg.report.fmt import _nan, fmt_p, fmt_ratio_short

ID = "answer"


def non_releasing(backends: Iterable[str]) -> set[str]:
    """Those of ``backends`` whose ``nogil`` token releases nothing: a control, not part of the answer.

    Pure Python, as its kernel states (``RELEASES_GIL = False``, read by ``kernels.stated``).
    """
    return {backend for backend in backends if not kernels.stated(backend).releases_gil}


def answer_scope(table: pd.DataFrame) -> pd.DataFrame:
    """The cells the three-sentence answer speaks of: the blog's setting.

    Threads (not processes, whose start-up dominates), backends that can
    release the GIL, and the blog's call pattern (one call per thread at
    CPython's default switch interval) when the grid has it; everything else
    stays in the tables, the figures and the call-patterns section.
    """
    if table is None or not len(table):
        return table
    if "executor" in table.columns:
        table = table[table["executor"] == claims.CLAIM_EXECUTOR]
    table = stats.blog_setting(table)  # one call per thread, 5 ms switch interval, pinned: the blog's point
    if "backend" in table.columns:
        table = table[~table["backend"].isin(non_releasing(table["backend"].unique()))]
    return table


def _per_backend(summary: pd.DataFrame, scenario: str) -> list[tuple[str, pd.Series]]:
    top = stats.largest_n(summary)
    hit = top[(top["scenario"] == scenario) & top["ratio"].notna()]
    # Interpreters, and node groups (nodes that measurably differ, rtg/analysis/nodes.py), are named when they vary.
    varying = [c for c in ("interpreter", "node_group") if c in hit.columns and hit[c].nunique() > 1]

    def label(r: pd.Series) -> str:
        return f"{r['backend']} ({', '.join(str(r[c]) for c in varying)})" if varying else r["backend"]

    return [(label(r), r) for _, r in hit.sort_values(["backend", *varying]).iterrows()]


def _ratios_text(rows: list[tuple[str, pd.Series]]) -> str:
    return ", ".join(
        f"{b.capitalize()} {fmt_ratio_short(r['ratio'], r['ratio_ci_low'], r['ratio_ci_high'])}" for b, r in rows
    )


def _side(row: pd.Series | None) -> str:
    """Where a ratio lies against 1.5× (midway between parallel 1× and serialized 2×): below, above, unclear."""
    if row is None:
        return "missing"
    low, high = row["ratio_ci_low"], row["ratio_ci_high"]
    if _nan(low) or _nan(high):
        return "below" if row["ratio"] < 1.5 else "above"
    return "below" if high < 1.5 else "above" if low > 1.5 else "unclear"


def parallel_verdict(parallel: pd.Series, serial: pd.Series | None) -> str:
    """Did releasing the GIL buy parallelism for one backend? yes / no / unclear / control failed.

    Two GIL-holding threads can only run one after the other, so gil+gil is
    the control: unless it measures clearly above 1.5×, the machine could not
    show serialization at all, and nogil+gil's ratio says nothing.
    """
    if serial is not None and _side(serial) != "above":
        return "control failed"
    return {"below": "yes", "above": "no"}.get(_side(parallel), "unclear")


def split_by_gil(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cells that ran with a GIL, cells that ran without one); tables without the column had a GIL."""
    if table is None or "gil_enabled" not in table.columns:
        return table, table.iloc[0:0] if table is not None else table
    on = table["gil_enabled"].fillna(True).astype(bool)
    return table[on], table[~on]


def without_gil(summary: pd.DataFrame, machine: str, disturbed: set[tuple[str, str, int]] | None = None) -> list[str]:
    """One sentence per free-threaded interpreter whose GIL stayed off: what its threads did.

    Without a GIL, GIL-holding threads are expected to run in parallel: that
    claims 2 and 4 fail there is the point of the build, never a busy machine.
    Pairs that did not measure as parallel are blamed on the machine only when
    the interference check (``disturbed``: (backend, scenario, n) cells with
    outside interference in half their trials) says so, else on contention.
    """
    sentences = []
    for interp, cells in summary.groupby("interpreter", sort=True) if len(summary) else []:
        pairs = [(b.split(" (")[0], r) for b, r in _per_backend(cells, "gil+gil")]
        late = [(b.split(" (")[0], r) for b, r in _per_backend(cells, "gil+nogil")]
        if not pairs and not late:
            sentences.append(f"On {machine} with {interp} (free-threaded, the GIL stayed off), no pair of threads ran.")
            continue
        measured = "; ".join(
            text
            for text in (
                f"two GIL-holding threads took {_ratios_text(pairs)} the time of one call" if pairs else "",
                f"GIL-holding thread first took {_ratios_text(late)}" if late else "",
            )
            if text
        )
        parallel = all(_side(r) == "below" for _, r in pairs + late)
        busy = [b for b, r in pairs + late if (r["backend"], r["scenario"], int(r["n"])) in (disturbed or set())]
        if parallel:
            why = (
                "so the threads ran in parallel whatever they held; that the blog's claims 2 and 4 do not hold "
                "there is the point of a free-threaded build, not noise."
            )
        elif busy:
            why = (
                f"but {', '.join(sorted(set(busy)))} stayed disturbed by interference (its cause and size are in "
                f"“Interference”), so these ratios reflect a busy machine, not the interpreter."
            )
        else:
            why = (
                "so something other than a GIL kept them from running fully in parallel "
                "(see “With and without the GIL”)."
            )
        sentences.append(
            f"On {machine} with {interp} (free-threaded, the GIL stayed off) there is no GIL to release: "
            f"{measured} (95 % CI in brackets), {why}"
        )
    return sentences


def answer(
    summary: pd.DataFrame,
    claims_table: pd.DataFrame,
    flags: pd.DataFrame,
    order_tests: pd.DataFrame,
    machine: str,
    disturbed: set[tuple[str, str, int]] | None = None,
) -> list[str]:
    """Three sentences: did releasing the GIL buy parallelism, does order matter, how did the claims fare.

    A grid with free-threaded interpreters gets one more sentence per such
    interpreter; the GIL sentences then speak only of the interpreters with a GIL.
    """
    summary, order_tests = answer_scope(summary), answer_scope(order_tests)
    summary, free = split_by_gil(summary)
    if len(free) and "interpreter" in order_tests.columns:
        order_tests = order_tests[~order_tests["interpreter"].isin(set(free["interpreter"]))]
    no_gil = without_gil(free, machine, disturbed) if len(free) else []
    if len(free) and not len(summary):
        return [*no_gil, claims_sentence(claims_table, flags)]
    if no_gil:
        with_gil = ", ".join(sorted(summary["interpreter"].unique())) if "interpreter" in summary.columns else ""
        machine = f"{machine} with the GIL ({with_gil})" if with_gil else machine
    parallel = _per_backend(summary, "nogil+gil")
    serial = _per_backend(summary, "gil+gil")
    serial_by_backend = dict(serial)
    if parallel:
        verdicts = {parallel_verdict(r, serial_by_backend.get(b)) for b, r in parallel}
        ratios = (
            f"with a GIL-releasing thread started before a GIL-holding one the pair took {_ratios_text(parallel)} "
            f"the time of one call (95 % CI in brackets)"
        )
        control = f", against {_ratios_text(serial)} for two GIL-holding threads." if serial else "."
        if "control failed" in verdicts:
            first = (
                f"On {machine}, this run cannot say what releasing the GIL bought: even two GIL-holding threads, "
                f"which can only run one after the other, did not measure clearly above one call "
                f"({_ratios_text(serial)}), so the timings reflect a busy machine more than the GIL; "
                f"{ratios}."
            )
        else:
            verb = {
                frozenset({"yes"}): "bought true parallelism",
                frozenset({"no"}): "did not buy parallelism",
            }.get(frozenset(verdicts), "gave no clear answer yet (the intervals are too wide to tell 1× from 2×)")
            first = f"On {machine}, releasing the GIL {verb}: {ratios}{control}"
    else:
        first = f"On {machine}, " + unmeasured(summary, "nogil+gil", "the blog's parallel case")

    late = _per_backend(summary, "gil+nogil")
    control_failed = bool(parallel) and "control failed" in verdicts
    if late and control_failed:
        second = (
            f"For the same reason the start-order comparison (GIL-holding thread first: {_ratios_text(late)}) "
            f"is no evidence either way (what disturbed the machine, and how much: “Interference”)."
        )
    elif late:
        top_n = stats.largest_n(summary)["n"]
        tests = order_tests[order_tests["n"].isin(top_n)] if len(order_tests) else order_tests
        significant = len(tests) > 0 and bool((tests["p_holm"] < 0.05).all())
        slower = all(r["ratio"] > 1.5 for _, r in late)
        p_text = f" (Mann–Whitney, Holm-adjusted p ≤ {fmt_p(tests['p_holm'].max())})" if len(tests) else ""
        if slower and significant:
            second = (
                f"Start order matters: with the GIL-holding thread started first the same pair took "
                f"{_ratios_text(late)}{p_text}, because the main thread needs the GIL to start the "
                f"second thread and gets it only when the first call returns."
            )
        elif slower:
            second = (
                f"With the GIL-holding thread started first the pair took {_ratios_text(late)}, slower, but "
                f"with this few repetitions the rank test cannot confirm that start order matters{p_text}."
            )
        else:
            second = (
                f"Start order made no large difference here: GIL-holding thread first took "
                f"{_ratios_text(late)}{p_text}."
            )
    else:
        why = unmeasured(summary, "gil+nogil", "the start-order case")
        second = why[0].upper() + why[1:]

    return [first, second, *no_gil, claims_sentence(claims_table, flags)]


def unmeasured(summary: pd.DataFrame, scenario: str, role: str) -> str:
    """Why the answer has no ratio for ``scenario``: it did not run, or its single-call baseline did not (which one).

    A ratio divides by the single calls of the scenario's own tokens (nogil+gil by gil and nogil), so a grid of
    gil, gil+gil and nogil+gil ran every nogil+gil trial and still has no ratio for it: say what to add.
    """
    ran = summary[summary["scenario"] == scenario] if "scenario" in summary.columns else summary.iloc[0:0]
    if ran.empty:
        return f"the {scenario} scenario ({role}) was not measured."
    present = set(summary["scenario"])
    missing = [single for single in scenarios.baseline_scenarios(scenario) if single not in present]
    if missing:
        names = " and ".join(missing)
        return (
            f"the {scenario} scenario ({role}) ran, but not its baseline, the single call "
            f"{names}: add {names} to scenarios to get the ratio to one call."
        )
    return f"the {scenario} scenario ({role}) ran, but none of its cells has a valid ratio to one call (see the flags)."


def claims_sentence(claims_table: pd.DataFrame, flags: pd.DataFrame) -> str:
    """How the blog's claims fared, with the expected failures of a missing GIL counted apart."""
    tally = claims.counts(claims_table)
    expected = 0
    if len(claims_table) and "detail" in claims_table.columns:
        expected = int(
            (
                (claims_table["verdict"] == claims.NOT_REPRODUCED)
                & claims_table["detail"].fillna("").str.startswith(claims.GIL_DISABLED)
            ).sum()
        )
    warnings = int((flags["severity"] == anomalies.WARNING).sum()) if len(flags) else 0
    disturbed = (
        int(flags["kind"].str.startswith("disturbed by").sum() + (flags["kind"] == "outside interference").sum())
        if len(flags)
        else 0
    )
    were = "was" if tally[claims.REPRODUCED] == 1 else "were"
    return (
        f"Of the blog's claims, {tally[claims.REPRODUCED]} {were} reproduced, "
        f"{tally[claims.NOT_REPRODUCED]} not reproduced"
        + (f" ({expected} of them as expected because the GIL was disabled)" if expected else "")
        + f", {tally[claims.INCONCLUSIVE]} inconclusive and {tally[claims.NOT_TESTED]} not tested; "
        + (
            f"the measurement raised {warnings} warning{'s' if warnings != 1 else ''}"
            + (f" ({disturbed} cells stayed disturbed by interference)" if disturbed else "")
            + ", listed next."
            if warnings
            else "no warning was raised about the measurement itself."
        )
    )


def machine_phrase(environment: Mapping[str, Any], timings: pd.DataFrame) -> str:
    meta = environment.get("metadata", {}) or {}
    cpu = meta.get("cpu_model") or (timings["cpu_model"].iloc[0] if "cpu_model" in timings and len(timings) else "")
    cpus = meta.get("logical_cpus") or (
        int(timings["logical_cpus"].iloc[0]) if "logical_cpus" in timings and len(timings) else None
    )
    text = "this machine"
    if cpu or cpus:
        text += (
            " ("
            + ", ".join(
                p
                for p in (
                    str(cpu) if cpu else "",
                    f"{cpus} logical CPUs" if cpus else "",
                )
                if p
            )
            + ")"
        )
    return text


def own_kernel_sentences(inputs: Inputs) -> list[str]:
    """What a second thread bought each memory-bound kernel of the grid (the user's question first)."""
    from rtg.analysis import memory
    from rtg.report.kernels import sentences

    facts = inputs.environment.get("kernels") or {}
    if not any(fact.get("bytes_per_iteration") for fact in facts.values()):
        return []
    return sentences(memory.memory_table(inputs.parts["summary"], facts, inputs.parts.get("bandwidth")))


def ran_the_blogs_pairs(summary: pd.DataFrame) -> bool:
    """Whether any cell ran the blog's tokens (gil, nogil): a GIL map of library calls runs none."""
    if "scenario" not in summary.columns:
        return False
    return any(set(scenarios.tokens(s)) & set(scenarios.TOKENS) for s in summary["scenario"].unique())


def gil_map_answer(inputs: Inputs, machine: str) -> list[str]:
    """The answer of a run without the blog's gil/nogil kernels (examples/gil-map.yaml): which calls released the
    GIL, how they scaled, and that the blog's claims were not its question."""
    from rtg.analysis import scaling
    from rtg.report import gil_release

    lines = [f"On {machine}, this run measured calls that hold or release the GIL by themselves, not the blog's pairs."]
    release = inputs.parts.get("gil_release")
    if release is not None and len(release):
        by_interpreter = gil_release.labelled(release).groupby("interpreter")
        lines += [gil_release.interpreter_sentence(rows) for _, rows in by_interpreter]
    found = inputs.parts.get("scaling")
    if found is not None and len(found) and not scaling.largest(found).empty:
        lines.append(scaling.headline(found) + " (see “Thread scaling”).")
    lines.append("The blog's claims were not tested: no kernel of this run has gil and nogil entry points.")
    return lines


def context(inputs: Inputs) -> dict[str, Any]:
    from rtg.analysis import interference
    from rtg.report.nodes import answer_sentences

    parts = inputs.parts
    machine = machine_phrase(inputs.environment, inputs.timings)
    if ran_the_blogs_pairs(parts["summary"]):
        first = answer(
            parts["summary"], parts["claims"], parts["flags"], parts["order_tests"], machine, parts.get("disturbed")
        )
    else:
        first = gil_map_answer(inputs, machine)
    return {
        "answer_own": own_kernel_sentences(inputs),
        "answer": first
        + interference.sentences(interference.overview(inputs.timings))
        + answer_sentences(parts.get("node_comparison")),
    }


def markdown(parts: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    return [*ctx["answer_own"], *ctx["answer"], ""]
