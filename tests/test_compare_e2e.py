"""Compare two runs end to end: keep a run, change the C flags, rerun against it (issue 15)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import copy_project, run_grid, snakemake

pytestmark = pytest.mark.slow

GRID = ["scenarios=[gil,nogil+gil]", "n_values=[20000000]", "repetitions=3", "safety_experiment=false"]


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("compare") / "project")
    run_grid(project, *GRID)
    shutil.move(project / "results", project / "results-O2")  # the README's one command: mv results results-O2
    kept = tree_digest(project / "results-O2")
    run_grid(project, *GRID, "cython_cflags=[-O0]", "compare_with=[results-O2]")
    return project, kept


def test_the_earlier_run_is_only_read(compared):
    project, kept = compared
    assert tree_digest(project / "results-O2") == kept


def test_unoptimised_cython_is_slower_and_every_cell_is_compared(compared):
    project, _ = compared
    table = pd.read_csv(project / "results" / "compare.csv")
    assert len(table) == 2 * 2  # backends x scenarios, all in both runs
    cython = table[table["backend"] == "cython"]
    assert (cython["verdict"] == "slower").all(), cython
    assert (cython["ratio_ci_low"] > 1.05).all()
    numba = table[table["backend"] == "numba"]
    assert numba["ratio"].between(0.5, 2).all()  # same build and code: a similar time (its verdict is noise's)
    assert set(table["earlier_run"]) == {"results-O2"}


def test_the_report_says_the_flags_differ_before_any_number(compared):
    project, _ = compared
    record = json.loads((project / "results" / "compare.json").read_text())
    (run,) = record["runs"]
    assert {"what": "cython cflags", "earlier": "-O2 -funroll-loops", "now": "-O0"} in run["differences"]
    assert run["cross_machine"] is False
    report = (project / "results" / "report.md").read_text()
    section = report[report.index("## Compared with earlier runs") :]
    assert section.index("cython cflags: -O2 -funroll-loops → -O0") < section.index("| results-O2 |")
    assert "cells slower" in section
    html = (project / "results" / "report.html").read_text()
    assert 'id="compare"' in html and 'id="fig-compare"' in html


def test_a_tampered_or_foreign_folder_is_a_config_error_before_any_job(compared, tmp_path):
    project, _ = compared
    own = snakemake(project, "--cores", "2", "--config", *GRID, "compare_with=[results]")
    assert (
        own.returncode != 0
        and "Config error: Invalid config value 'compare_with': results is inside this run's" in own.stderr
    )
    foreign = tmp_path / "not-results"
    foreign.mkdir()
    other = snakemake(project, "--cores", "2", "--config", *GRID, f"compare_with=[{foreign}]")
    assert "is not a results folder: it has no timings.csv and no environment.json" in other.stderr
    # a copy of the earlier run with one hand-edited trial: named, refused
    copy = tmp_path / "results-edited"
    shutil.copytree(project / "results-O2", copy)
    trial = next((copy / "trials").rglob("rep1.json"))
    record = json.loads(trial.read_text())
    record["wall_s"] /= 2
    trial.write_text(json.dumps(record))
    edited = snakemake(project, "--cores", "2", "--config", *GRID, f"compare_with=[{copy}]")
    assert edited.returncode != 0
    assert "does not pass the integrity check" in edited.stderr and str(trial) in edited.stderr
    for result in (own, other, edited):
        assert "Traceback" not in result.stderr
