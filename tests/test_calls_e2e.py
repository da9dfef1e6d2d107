"""Issue 12's done-when, end to end: k calls per thread, the heartbeat, the call-patterns section."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import copy_project, run_grid, snakemake

pytestmark = pytest.mark.slow

GRID = [
    "backends=[cython]",
    "scenarios=[gil,nogil,nogil+gil,nogil+nogil]",
    "n_values=[100000000]",
    "calls_per_thread=[1,100]",
    "repetitions=3",
    "heartbeat=true",
    "safety_experiment=false",
]


@pytest.fixture(scope="module")
def calls_run(tmp_path_factory):
    return run_grid(copy_project(tmp_path_factory.mktemp("calls") / "project"), *GRID)


def test_every_trial_is_correct_and_tables_carry_the_pattern(calls_run):
    timings = pd.read_csv(calls_run / "results" / "timings.csv")
    assert sorted(timings["calls_per_thread"].unique()) == [1, 100]
    assert timings["correct"].all() and len(timings) == 4 * 2 * 3
    assert (timings["switch_interval_ms"] == 5).all()
    threads = pd.read_csv(calls_run / "results" / "threads.csv")
    assert set(threads.loc[threads["calls_per_thread"] == 100, "calls"]) == {100}
    runs = pd.read_csv(calls_run / "results" / "runs.csv")
    assert set(runs["calls_per_thread"]) == {1, 100}


def test_the_convoy_effect_at_a_hundred_calls(calls_run):
    summary = pd.read_csv(calls_run / "results" / "summary.csv").set_index(["calls_per_thread", "scenario"])
    assert summary.loc[(1, "nogil+gil"), "ratio"] < 1.3  # the blog: one long call runs beside the holder
    assert summary.loc[(100, "nogil+gil"), "ratio"] > 1.6  # 100 calls: it waits for the GIL after each


def test_the_heartbeat_is_stalled_by_a_gil_holding_call_only(calls_run):
    timings = pd.read_csv(calls_run / "results" / "timings.csv")
    one = timings[timings["calls_per_thread"] == 1].groupby("scenario")[["wall_s", "heartbeat_max_stall_s"]].median()
    assert one.loc["gil", "heartbeat_max_stall_s"] >= 0.8 * one.loc["gil", "wall_s"]
    assert one.loc["nogil", "heartbeat_max_stall_s"] < 0.5 * one.loc["nogil", "wall_s"]
    assert timings["gil_contention"].between(0, 1).all()


def test_the_report_has_the_call_patterns_section(calls_run):
    report = (calls_run / "results" / "report.md").read_text()
    section = report[report.index("## Call patterns") :]
    assert "cython, switch interval 5 ms:" in section
    assert "Claim 3 per call pattern" in section and "Heartbeat" in section
    html = (calls_run / "results" / "report.html").read_text()
    assert 'id="calls"' in html and 'id="fig-calls"' in html


def test_a_k_that_does_not_divide_n_is_a_config_error(tmp_path):
    project = copy_project(tmp_path / "project")
    result = snakemake(project, "-n", "--config", "n_values=[100000000]", "calls_per_thread=[3]")
    assert result.returncode != 0
    assert "Config error: Invalid config value 'calls_per_thread': k = 3 does not divide n = 100000000" in result.stderr
    assert "Traceback" not in result.stderr
