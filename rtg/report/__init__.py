"""Render the report: the answer first, then flags, claims, figures, tables, environment.

The HTML is self-contained (figures embedded as base64 PNG, CSS inline, no
script, no external URL), so it can be mailed, attached to an issue or opened
offline. The Markdown carries the same tables for pasting into an issue or a
paper. Each section is its own module (``rtg/report/<section>.py``) that
builds its context and owns a template partial
(``workflow/report/sections/<ID>.html.j2``); this package computes the
tables once and puts the sections in order. Never HTML by string
concatenation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from rtg.analysis import anomalies, stats
from rtg.analysis import claims as blog_claims
from rtg.analysis import gil_release as release_analysis
from rtg.analysis import nodes as node_analysis  # not `nodes`: that name is the section rtg.report.nodes
from rtg.analysis import scaling as scaling_analysis
from rtg.figures import every, style
from rtg.report import answer as answer_section
from rtg.report import calls as calls_section
from rtg.report import claims as claims_section
from rtg.report import compare as compare_section
from rtg.report import cycles as cycles_section
from rtg.report import environment as environment_section
from rtg.report import figures as figures_section
from rtg.report import flags as flags_section
from rtg.report import freethreading as freethreading_section
from rtg.report import gil_release as gil_release_section
from rtg.report import interference as interference_section
from rtg.report import kernels as kernels_section
from rtg.report import nodes as nodes_section
from rtg.report import race as race_section
from rtg.report import scaling as scaling_section
from rtg.report import start_order as start_order_section
from rtg.report import summary as summary_section
from rtg.report.answer import answer, parallel_verdict
from rtg.report.base import Inputs
from rtg.report.cycles import cycles_display, load_cycles
from rtg.report.flags import group_flags
from rtg.report.fmt import markdown_table, with_spans

__all__ = [
    "SECTIONS",
    "answer",
    "build",
    "context",
    "group_flags",
    "markdown_table",
    "parallel_verdict",
    "render_html",
    "render_markdown",
    "with_spans",
    "write",
]

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "workflow" / "report"
TEMPLATE = "report.html.j2"
TITLE = "Release the GIL: what it bought on this machine"

#: The sections, top to bottom: the answer first, the environment last.
SECTIONS = (
    answer_section,
    gil_release_section,
    scaling_section,
    compare_section,
    flags_section,
    interference_section,
    claims_section,
    freethreading_section,
    kernels_section,
    figures_section,
    start_order_section,
    race_section,
    calls_section,
    summary_section,
    cycles_section,
    nodes_section,
    environment_section,
)


def load_safety(path: str | Path | None) -> pd.DataFrame | None:
    """The safety experiment's table, or None when it was not run."""
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
    runs: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """All tables of the report (DataFrames); the figures are drawn by :func:`write`, which saves and closes them.

    ``runs`` (runs.csv) gives the medians and ratios of the summary and the
    start-order tests their two-level intervals (rtg/analysis/hierarchy.py). Trials from nodes
    that measurably differ get a ``node_group`` cell key first (rtg/analysis/nodes.py), so no
    table below pools two kinds of node; the split table is ``parts["timings"]``.
    """
    all_runs, runs = runs, stats.kept_runs(runs)
    node_comparison = node_analysis.compare_nodes(timings, seed=seed)
    timings = node_analysis.with_node_groups(timings, node_comparison)
    with_runs = stats.attach_runs(timings, runs)
    summary = stats.summarize(with_runs, threads, seed=seed)
    metrics = stats.trial_metrics(timings, threads)
    order_tests = stats.start_order_tests(stats.valid_trials(with_runs), seed=seed)
    disturbed = anomalies.disturbed_cells(stats.valid_trials(metrics))
    by_group = None
    if node_analysis.GROUP_COLUMN in metrics.columns:
        by_group = {
            group: anomalies.disturbed_cells(stats.valid_trials(trials))
            for group, trials in metrics.groupby(node_analysis.GROUP_COLUMN)
        }
    claims_table = blog_claims.judge(
        timings,
        safety,
        seed=seed,
        disturbed=disturbed,
        not_available=environment.get("not_available") or (),
        disturbed_by_node_group=by_group,
    )
    cflags = (environment.get("config") or {}).get("cython_cflags")
    node_cells = node_analysis.cells(timings, seed=seed) if node_analysis.under_slurm(timings) else None
    kernels = environment.get("kernels") or {}
    flags = anomalies.flags(
        timings, metrics, summary, cflags, missing_trials, cycles, extra=nodes_section.flag_rows(node_cells)
    )
    return {
        "cycles": cycles_display(cycles),
        "summary": summary,
        "claims": claims_table,
        "flags": flags,
        "order_tests": order_tests,
        # (backend, scenario, n) cells with outside interference in half their trials (rtg/analysis/anomalies.py).
        "disturbed": disturbed,
        "runs": runs,
        # Every timed run, those set aside as disturbed included (the interference section).
        "all_runs": all_runs,
        "timings": timings,
        "node_comparison": node_comparison,
        "node_cells": node_cells,
        # Which calls release the GIL, and how each scales with threads (results/gil_release.csv, scaling.csv).
        # Given the runs, so a ratio made there has the summary's two-level interval (rtg/analysis/functions.py).
        "gil_release": release_analysis.table(summary, with_runs, kernels),
        "scaling": scaling_analysis.table(summary, with_runs, kernels),
    }


def context(
    parts: Mapping[str, Any],
    figure_paths: Mapping[str, Path],
    environment: Mapping[str, Any],
    timings: pd.DataFrame,
) -> dict[str, Any]:
    """Everything the template shows, already formatted: each section's own variables, in order."""
    inputs = Inputs(parts, figure_paths, environment, timings)
    ctx: dict[str, Any] = {
        "title": TITLE,
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "trials": len(timings),
        # The axes with one value in the whole run, said once at the top; every label below names only what varies.
        "setting": stats.constant_axes(timings),
        "sections": [section.ID for section in SECTIONS],
    }
    for section in SECTIONS:
        own = section.context(inputs)
        clash = set(own) & set(ctx)
        if clash:
            raise ValueError(f"report section {section.ID!r} reuses template names {sorted(clash)}")
        ctx.update(own)
    return ctx


def render_html(ctx: Mapping[str, Any], template_dir: Path = TEMPLATE_DIR) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(TEMPLATE).render(**ctx)


def render_markdown(ctx: Mapping[str, Any], parts: Mapping[str, Any]) -> str:
    """The same report's text and tables in Markdown (figures referenced by file)."""
    out = [f"# {ctx['title']}", ""]
    for section in SECTIONS:
        out += section.markdown(parts, ctx)
    out += ["", f"Generated {ctx['generated']} from {ctx['trials']} trials.", ""]
    if ctx["setting"]:  # the answer stays first; the page shows this line under its title
        out += [f"Every cell of this run: {ctx['setting']}.", ""]
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
    runs_csv: Path | None = None,
    comparison: list[Path] | None = None,
    bandwidth: list[Path] | None = None,
) -> None:
    """Read the pipeline's tables and write every report output.

    ``out``: summary, claims, markdown and html, and gil_release and scaling_table (results/gil_release.csv and
    results/scaling.csv) when given;
    ``comparison``: compare.csv, compare.json and the figure of the compare rule, when there is one;
    ``bandwidth``: results/bandwidth.json, when a kernel declares its memory traffic.
    """
    timings = pd.read_csv(timings_csv)
    runs = pd.read_csv(runs_csv) if runs_csv and Path(runs_csv).exists() else None
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
        runs=runs,
    )
    parts["comparison"] = compare_section.load(comparison)
    # The machine's copy bandwidth (rtg/machine/bandwidth.py), measured when a kernel declares its memory traffic.
    parts["bandwidth"] = json.loads(Path(bandwidth[0]).read_text()) if bandwidth else None
    # Drawn here, not in build(): every figure is saved and closed at once, none stays open.
    figures = every.make_all(parts["timings"], threads, parts["summary"], scaling_table=parts["scaling"])
    for name, figure in figures.items():
        if name in figure_paths:
            style.save(figure, figure_paths[name])
        else:
            style.close(figure)
    parts["summary"].to_csv(out["summary"], index=False)
    parts["claims"].to_csv(out["claims"], index=False)
    # Always written when asked for (a header only when nothing ran on two threads), so a script can read them.
    for name, table in (("gil_release", parts["gil_release"]), ("scaling_table", parts["scaling"])):
        if name in out:
            table.to_csv(out[name], index=False)
    ctx = context(parts, figure_paths, environment, parts["timings"])
    Path(out["html"]).write_text(render_html(ctx), encoding="utf-8")
    Path(out["markdown"]).write_text(render_markdown(ctx, parts), encoding="utf-8")
