"""Issue 23 end to end: real snakemake on a tiny grid, with the cure of interference off and on.

The machine may be quiet or not (a VM with steal episodes, other tests running): the checks hold the records'
structure, the bookkeeping of set-aside runs and the report's consistency, never that a run was undisturbed.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from rtg.collect import aggregate, integrity
from rtg.trial import disturbance
from tests.conftest import copy_project, run_grid

pytestmark = pytest.mark.slow

GRID = [
    "backends=[cython]",
    "scenarios=[gil,nogil+gil]",
    "n_values=[2000000]",
    "repetitions=2",
    "safety_experiment=false",
    "quiet_wait_limit_s=1",
]


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    return run_grid(copy_project(tmp_path_factory.mktemp("raw") / "project"), *GRID, "remeasure=false")


@pytest.fixture(scope="module")
def cured(tmp_path_factory):
    return run_grid(copy_project(tmp_path_factory.mktemp("cured") / "project"), *GRID, "remeasure=true")


def tables(workdir):
    results = workdir / "results"
    return pd.read_csv(results / "timings.csv"), pd.read_csv(results / "runs.csv")


def the_report_shows_interference_consistently(workdir) -> bool:
    html = (workdir / "results" / "report.html").read_text(encoding="utf-8")
    markdown = (workdir / "results" / "report.md").read_text(encoding="utf-8")
    shown = '<section id="interference">' in html
    assert shown is ("\n## Interference\n" in markdown)
    return shown


def test_without_remeasure_no_run_is_set_aside_and_the_signals_are_still_recorded(raw):
    timings, runs = tables(raw)
    assert len(timings) == 4 and timings["correct"].all()
    assert not timings["remeasure"].astype(bool).any()
    assert (timings["attempts"] == 1).all() and (timings["replacement_runs"] == 0).all()
    assert (timings["set_aside_runs"] == 0).all() and (timings["quiet_wait_s"] == 0).all()
    assert not runs["set_aside"].any() and (runs["attempt"] == 1).all()
    assert (timings["runs"] == timings["planned_runs"]).all()
    assert (runs["thread0_run_delay_s"] >= 0).all() and (runs["thread0_steal_s"] >= 0).all()
    # Every trial carries the signals, so the section is there (it says the rule and what it saw).
    assert the_report_shows_interference_consistently(raw)


def test_with_remeasure_every_record_validates_and_timings_have_the_interference_columns(cured):
    timings, runs = tables(cured)
    assert len(timings) == 4 and timings["correct"].all()
    assert set(aggregate.INTERFERENCE_COLUMNS) <= set(timings.columns)
    assert timings["remeasure"].astype(bool).all()
    assert (timings["attempts"] >= 1).all() and (timings["quiet_wait_s"] >= 0).all()
    for path in timings["trial_file"]:
        record = json.loads((cured / path).read_text())
        assert record["schema_version"] == 3
        assert integrity.schema_problems(record) == []
        assert integrity.run_problems(record, record["threads"]) == []
        for run in record["runs"]:
            assert run["disturbed"] is disturbance.run_disturbed(run["threads"], run["signals"])
            assert not run["set_aside"] or run["disturbed"]
        assert record["attempts"] == 1 + len(record.get("earlier_attempts", []))
        # runs.csv: every run of every attempt; an earlier attempt's runs are all set aside, the kept one's as recorded.
        mine = runs[(runs["scenario"] == record["scenario"]) & (runs["rep"] == record["rep"])]
        assert len(mine) == len(record["runs"]) + sum(len(a["runs"]) for a in record.get("earlier_attempts", []))
        assert mine.loc[mine["attempt"] != record.get("attempt", 1), "set_aside"].all()
        own = mine[mine["attempt"] == record.get("attempt", 1)].sort_values("run")
        assert own["set_aside"].tolist() == [run["set_aside"] for run in record["runs"]]
    kept = runs[~runs["set_aside"]].groupby(["scenario", "rep"]).size()
    assert kept.to_dict() == timings.set_index(["scenario", "rep"])["runs"].to_dict()
    assert the_report_shows_interference_consistently(cured)
