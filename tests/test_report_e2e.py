"""The report stage of the real tiny end-to-end run, and `snakemake --report`."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import TINY_CONFIG, snakemake

pytestmark = pytest.mark.slow

FIGURES = ["wall", "timeline", "ratio_heatmap", "scaling", "distribution", "cpu_vs_wall", "race", "drift",
           "thread_scaling"]  # fmt: skip


def test_report_embeds_every_figure_and_needs_no_other_file(tiny_run):
    workdir, result = tiny_run
    assert result.returncode == 0, result.stderr[-4000:]
    results = workdir / "results"
    html = (results / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', html)) == len(FIGURES)
    assert not re.search(r'(src|href)="(?!data:)', html)
    for name in FIGURES:
        assert (results / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    assert "## Claims" in (results / "report.md").read_text(encoding="utf-8")


def test_summary_and_claims_cover_the_grid(tiny_run):
    workdir, _ = tiny_run
    summary = pd.read_csv(workdir / "results" / "summary.csv")
    assert len(summary) == 2 * 6
    assert (summary["count"] + summary["incorrect"] == 2).all()
    claims = pd.read_csv(workdir / "results" / "claims.csv")
    assert set(claims["claim"]) == {1, 2, 3, 4, 5, 6}
    # safety_experiment is on by default: claim 6 is judged from results/safety.csv.
    # Cython 3.x compiles and runs the blog's nested `with nogil` fine (the blog's
    # crash was Cython 0.29's), and recursive Numba nogil calls are safe.
    claim6 = claims[claims["claim"] == 6].set_index("backend")["verdict"]
    assert claim6["cython"] == "not reproduced"
    assert claim6["numba"] == "reproduced"


def test_the_gil_tables_name_the_blogs_pairs_as_functions(tiny_run):
    workdir, _ = tiny_run
    found = pd.read_csv(workdir / "results" / "gil_release.csv")
    assert list(found.columns[:8]) == [
        "function", "interpreter", "gil_enabled", "ratio", "ratio_ci_low", "ratio_ci_high", "stall_share", "verdict",
    ]  # fmt: skip
    assert set(found["function"]) == {"cython_gil", "cython_nogil", "numba_gil", "numba_nogil"}
    assert set(found["verdict"]) <= {"releases", "holds", "partly", "unclear"}
    speed = pd.read_csv(workdir / "results" / "scaling.csv")
    assert list(speed.columns[:4]) == ["function", "interpreter", "gil_enabled", "threads"]
    assert (speed.loc[speed["threads"] == 1, "speedup"] == 1).all() and set(speed["threads"]) == {1, 2}


def test_snakemake_report_collects_the_figures(tiny_run, tmp_path):
    workdir, _ = tiny_run
    target = tmp_path / "snakemake-report.html"
    result = snakemake(workdir, "--report", str(target), "--config", *TINY_CONFIG)
    assert result.returncode == 0, result.stderr[-4000:]
    text = target.read_text(encoding="utf-8")
    for name in FIGURES:
        assert f"{name}.png" in text
