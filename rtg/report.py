"""Render the report: the answer first, then flags, claims, figures, tables, environment.

The HTML is self-contained (figures embedded as base64 PNG, CSS inline, no
script, no external URL), so it can be mailed, attached to an issue or opened
offline. The Markdown carries the same tables for pasting into an issue or a
paper. Both come from one context built here and a Jinja2 template, never
from string concatenation of HTML.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from rtg import anomalies, claims, figures, stats

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "workflow" / "report"
TEMPLATE = "report.html.j2"


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


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


def group_flags(flags: pd.DataFrame, max_cells: int = 6) -> list[dict]:
    """One line per severity and kind: how many cells, which, and one example.

    The full list can run to dozens of rows on a noisy machine; the head of
    the report shows this digest, the table follows in a collapsed block.
    """
    groups = []
    for (severity, kind), rows in flags.groupby(["severity", "kind"], sort=False):
        cells = list(dict.fromkeys(rows["cell"]))
        shown = ", ".join(cells[:max_cells]) + (f" and {len(cells) - max_cells} more" if len(cells) > max_cells else "")
        groups.append(
            {
                "severity": severity,
                "kind": kind,
                "count": len(cells),
                "cells": shown,
                "example": rows.iloc[0]["message"],
            }
        )
    return groups


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


# --------------------------------------------------------------------------
# The answer in three sentences
# --------------------------------------------------------------------------


#: Backends whose ``nogil`` token releases nothing (pure Python): a control, not part of the answer.
NON_RELEASING = frozenset({"python"})


def answer_scope(table: pd.DataFrame) -> pd.DataFrame:
    """The cells the three-sentence answer speaks of: the blog's setting.

    Threads (not processes, whose start-up dominates) and backends that can
    release the GIL; everything else stays in the tables and figures.
    """
    if table is None or not len(table):
        return table
    if "executor" in table.columns:
        table = table[table["executor"] == claims.CLAIM_EXECUTOR]
    if "backend" in table.columns:
        table = table[~table["backend"].isin(NON_RELEASING)]
    return table


def _per_backend(summary: pd.DataFrame, scenario: str) -> list[tuple[str, pd.Series]]:
    top = figures.largest_n(summary)
    hit = top[(top["scenario"] == scenario) & top["ratio"].notna()]
    several = "interpreter" in hit.columns and hit["interpreter"].nunique() > 1
    return [
        (f"{r['backend']} ({r['interpreter']})" if several else r["backend"], r)
        for _, r in hit.sort_values("backend").iterrows()
    ]


def fmt_ratio_short(value: float, low: float = math.nan, high: float = math.nan) -> str:
    """'2.01× [1.99–2.03]': the ratio and its 95 % CI for running text."""
    if _nan(value):
        return "–"
    return f"{value:.2f}×" + ("" if _nan(low) or _nan(high) else f" [{low:.2f}–{high:.2f}]")


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


def answer(
    summary: pd.DataFrame,
    claims_table: pd.DataFrame,
    flags: pd.DataFrame,
    order_tests: pd.DataFrame,
    machine: str,
) -> list[str]:
    """Three sentences: did releasing the GIL buy parallelism, does order matter, how did the claims fare."""
    summary, order_tests = answer_scope(summary), answer_scope(order_tests)
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
        first = f"On {machine}, the nogil+gil scenario (the blog's parallel case) was not measured."

    late = _per_backend(summary, "gil+nogil")
    control_failed = bool(parallel) and "control failed" in verdicts
    if late and control_failed:
        second = (
            f"For the same reason the start-order comparison (GIL-holding thread first: {_ratios_text(late)}) "
            f"is no evidence either way; rerun on an idle machine (load average below the number of CPUs)."
        )
    elif late:
        top_n = figures.largest_n(summary)["n"]
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
        second = "The start-order scenario gil+nogil was not measured."

    tally = claims.counts(claims_table)
    warnings = int((flags["severity"] == anomalies.WARNING).sum()) if len(flags) else 0
    disturbed = int((flags["kind"] == "outside interference").sum()) if len(flags) else 0
    third = (
        f"Of the blog's claims, {tally[claims.REPRODUCED]} were reproduced, "
        f"{tally[claims.NOT_REPRODUCED]} not reproduced, {tally[claims.INCONCLUSIVE]} inconclusive and "
        f"{tally[claims.NOT_TESTED]} not tested; "
        + (
            f"the measurement raised {warnings} warning{'s' if warnings != 1 else ''}"
            + (f" ({disturbed} cells disturbed by outside interference)" if disturbed else "")
            + ", listed next."
            if warnings
            else "no warning was raised about the measurement itself."
        )
    )
    return [first, second, third]


# --------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------


def flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts/lists as (dotted key, value) rows, long values shortened."""
    rows: list[tuple[str, str]] = []
    if isinstance(data, Mapping):
        for k, v in data.items():
            rows += flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list) and any(isinstance(v, Mapping | list) for v in data):
        for i, v in enumerate(data):
            rows += flatten(v, f"{prefix}[{i}]")
    else:
        text = " ".join(map(str, data)) if isinstance(data, list) else str(data)
        rows.append((prefix, text if len(text) <= 160 else text[:157] + "…"))
    return rows


def _utc(epoch: float) -> str:
    return dt.datetime.fromtimestamp(float(epoch), dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def environment_rows(
    environment: Mapping[str, Any], timings: pd.DataFrame | None = None
) -> dict[str, list[tuple[str, str]]]:
    """Sections of the environment table: when, machine and Python, each build, the config."""
    meta = environment.get("metadata", {}) or {}
    machine = []
    if timings is not None and len(timings) and {"started_at", "ended_at"} <= set(timings.columns):
        machine.append(("trials run", f"{_utc(timings['started_at'].min())} to {_utc(timings['ended_at'].max())}"))
        if "loadavg_before" in timings.columns:
            load = timings["loadavg_before"]
            machine.append(("1-min load average before trials", f"median {load.median():.2f}, max {load.max():.2f}"))
    machine += [
        (k, str(meta[k]))
        for k in (
            "host",
            "cpu_model",
            "logical_cpus",
            "affinity",
            "python_version",
            "python_implementation",
            "gil_disabled_build",
            "gil_enabled",
            "switch_interval",
        )
        if k in meta
    ]
    machine += [(f"package {k}", str(v)) for k, v in sorted((meta.get("packages") or {}).items())]
    if timings is not None and len(timings) and "host" in timings.columns:
        machine += where_trials_ran(timings)
    sections = {"Machine and Python": machine}
    for backend, manifest in sorted((environment.get("manifests") or {}).items()):
        sections[f"Build: {backend}"] = flatten(manifest)
    sections["Configuration"] = flatten(environment.get("config") or {})
    return sections


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


# --------------------------------------------------------------------------
# Build everything
# --------------------------------------------------------------------------


def load_safety(path: str | Path | None) -> pd.DataFrame | None:
    """The safety experiment's table, or None when it was not run."""
    if not path or not Path(path).exists():
        return None
    return pd.read_csv(path)


def cycles_display(cycles: pd.DataFrame | None) -> pd.DataFrame:
    """Cycles per loop iteration per single-thread grid point, for the report."""
    columns = ["backend", "scenario", "n", "trials", "ns/iteration", "cycles/iteration", "by CPU time", "flagged"]
    if cycles is None or cycles.empty:
        return pd.DataFrame(columns=columns)
    extra = [c for c in stats.OPTIONAL_KEY_COLUMNS if c in cycles.columns and cycles[c].nunique() > 1]
    out = pd.DataFrame(
        {
            "backend": cycles["backend"],
            **{c: cycles[c] for c in extra},
            "scenario": cycles["scenario"],
            "n": cycles["n"].map(lambda v: f"{int(v):,}"),
            "trials": cycles["trials"],
            "ns/iteration": cycles["ns_per_iteration"].map(lambda v: f"{v:.3f}"),
            "cycles/iteration": cycles["cycles_per_iteration"].map(lambda v: f"{v:.2f}"),
            "by CPU time": cycles["cycles_per_iteration_cpu"].map(lambda v: "–" if pd.isna(v) else f"{v:.2f}"),
            "flagged": stats.truthy(cycles["flagged"]).map({True: "> 1.10", False: ""}),
        }
    )
    return out.reset_index(drop=True)


def where_trials_ran(timings: pd.DataFrame) -> list[tuple[str, str]]:
    """Host (and Slurm node and job count, when submitted through Slurm) of every trial."""
    rows = []
    node = timings["slurm_node"] if "slurm_node" in timings.columns else pd.Series([None] * len(timings))
    jobs = timings["slurm_job_id"] if "slurm_job_id" in timings.columns else pd.Series([None] * len(timings))
    frame = pd.DataFrame({"host": timings["host"].values, "node": node.values, "job": jobs.values})
    for host, group in frame.groupby("host", sort=True):
        under_slurm = group["job"].notna()
        text = f"{len(group)} trials"
        if under_slurm.any():
            nodes = ", ".join(sorted(group.loc[under_slurm, "node"].dropna().astype(str).unique()))
            text += f"; {int(under_slurm.sum())} under Slurm ({group['job'].nunique()} jobs, node {nodes})"
        else:
            text += ", run locally (not under Slurm)"
        rows.append((f"trials on {host}", text))
    return rows


def load_cycles(path: str | Path | None) -> pd.DataFrame | None:
    """The cycles/iteration table (rule cycles), or None when it is absent."""
    if not path or not Path(path).exists():
        return None
    return pd.read_csv(path)


def build(
    timings: pd.DataFrame,
    threads: pd.DataFrame,
    environment: Mapping[str, Any],
    safety: pd.DataFrame | None = None,
    seed: int = 0,
    missing_trials: pd.DataFrame | None = None,
    cycles: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """All tables of the report (DataFrames) and the figures (matplotlib Figures)."""
    summary = stats.summarize(timings, threads, seed=seed)
    metrics = stats.trial_metrics(timings, threads)
    valid = stats.valid_trials(timings)
    order_tests = stats.start_order_tests(valid, seed=seed)
    disturbed = anomalies.disturbed_cells(stats.valid_trials(metrics))
    claims_table = claims.judge(timings, safety, seed=seed, disturbed=disturbed)
    cflags = (environment.get("config") or {}).get("cython_cflags")
    flags = anomalies.flags(timings, metrics, summary, cflags, missing_trials, cycles)
    return {
        "cycles": cycles_display(cycles),
        "summary": summary,
        "claims": claims_table,
        "flags": flags,
        "order_tests": order_tests,
        "figures": figures.make_all(timings, threads, summary),
    }


def context(
    parts: Mapping[str, Any],
    figure_paths: Mapping[str, Path],
    environment: Mapping[str, Any],
    timings: pd.DataFrame,
) -> dict[str, Any]:
    """Everything the template shows, already formatted."""
    machine = machine_phrase(environment, timings)
    claims_rows = claims_display(parts["claims"])
    return {
        "title": "Release the GIL: what it bought on this machine",
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "answer": answer(
            parts["summary"],
            parts["claims"],
            parts["flags"],
            parts["order_tests"],
            machine,
        ),
        "flags": parts["flags"].to_dict("records"),
        "flag_groups": group_flags(parts["flags"]),
        "claims_columns": list(claims_rows.columns),
        "claims": with_spans(claims_rows.to_dict("records"), ("#", "claim")),
        "verdict_rule": claims.VERDICT_RULE,
        "figures": [
            {"name": name, "caption": figures.FIGURES[name], "src": png_data_uri(path)}
            for name, path in figure_paths.items()
        ],
        "summary": summary_display(parts["summary"]).to_dict("split"),
        "order_tests": order_tests_display(parts["order_tests"]).to_dict("split"),
        "cycles": parts["cycles"].to_dict("split"),
        "environment": environment_rows(environment, timings),
        "trials": len(timings),
    }


def render_html(ctx: Mapping[str, Any], template_dir: Path = TEMPLATE_DIR) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(TEMPLATE).render(**ctx)


def render_markdown(ctx: Mapping[str, Any], parts: Mapping[str, Any]) -> str:
    """The same report's text and tables in Markdown (figures referenced by file)."""
    out = [f"# {ctx['title']}", "", *ctx["answer"], ""]
    out += [
        "## Flags",
        "",
        markdown_table(parts["flags"]),
        "## Claims",
        "",
        f"Verdict rule: {ctx['verdict_rule']}",
        "",
        markdown_table(claims_display(parts["claims"])),
        "## Start order",
        "",
        markdown_table(order_tests_display(parts["order_tests"])),
        "## Cycles per loop iteration",
        "",
        markdown_table(parts["cycles"]) if len(parts["cycles"]) else "Not measured (no calibration).",
        "## Summary per cell",
        "",
        markdown_table(summary_display(parts["summary"])),
        "## Figures",
        "",
    ]
    out += [f"- `figures/{f['name']}.png`: {f['caption']}" for f in ctx["figures"]]
    out += ["", f"Generated {ctx['generated']} from {ctx['trials']} trials.", ""]
    return "\n".join(out)


def write(
    timings_csv: Path,
    threads_csv: Path,
    environment_json: Path,
    out: Mapping[str, Path],
    figure_paths: Mapping[str, Path],
    safety_csv: Path | None = None,
    seed: int = 0,
    missing_csv: Path | None = None,
    cycles_csv: Path | None = None,
) -> None:
    """Read the pipeline's tables and write every report output."""
    timings = pd.read_csv(timings_csv)
    threads = pd.read_csv(threads_csv)
    environment = json.loads(Path(environment_json).read_text())
    missing_trials = pd.read_csv(missing_csv) if missing_csv and Path(missing_csv).exists() else None
    parts = build(
        timings,
        threads,
        environment,
        load_safety(safety_csv),
        seed=seed,
        missing_trials=missing_trials,
        cycles=load_cycles(cycles_csv),
    )
    for name, path in figure_paths.items():
        figures.save(parts["figures"][name], path)
    parts["summary"].to_csv(out["summary"], index=False)
    parts["claims"].to_csv(out["claims"], index=False)
    ctx = context(parts, figure_paths, environment, timings)
    Path(out["html"]).write_text(render_html(ctx), encoding="utf-8")
    Path(out["markdown"]).write_text(render_markdown(ctx, parts), encoding="utf-8")
