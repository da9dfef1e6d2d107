"""Issue 11's done-when, end to end: the start-order race resolved at 0.25 ms calls, in interleaved rounds."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import copy_project, run_grid

pytestmark = pytest.mark.slow

GRID = [
    "backends=[cython,numba]",
    "scenarios=[gil,nogil,nogil+gil,gil+nogil]",
    "n_values=[1000000]",
    "repetitions=5",
    "safety_experiment=false",
]


@pytest.fixture(scope="module")
def race_run(tmp_path_factory):
    return run_grid(copy_project(tmp_path_factory.mktemp("race") / "project"), *GRID)


def test_the_start_order_race_is_resolved_at_a_quarter_millisecond(race_run):
    summary = pd.read_csv(race_run / "results" / "summary.csv")
    for backend in ("cython", "numba"):
        cells = summary[summary["backend"] == backend].set_index("scenario")
        gil_first, nogil_first = cells.loc["gil+nogil"], cells.loc["nogil+gil"]
        assert gil_first["serialized_ci_low"] > nogil_first["serialized_ci_high"], cells[
            ["serialized_fraction", "serialized_ci_low", "serialized_ci_high"]
        ]
        # the default inner repetitions gave many runs per process, and the process stays the unit
        assert gil_first["processes"] == 5 and gil_first["runs"] >= 5 * 20
        assert pd.isna(cells.loc["gil", "serialized_fraction"])  # one thread never races


def test_timings_keep_one_row_per_process_and_runs_csv_has_every_run(race_run):
    timings = pd.read_csv(race_run / "results" / "timings.csv")
    runs = pd.read_csv(race_run / "results" / "runs.csv")
    assert len(timings) == 2 * 4 * 5 and timings["correct"].all()
    assert runs["correct"].all()
    # runs.csv holds every timed run; a trial's own values rest on those not set aside as disturbed.
    kept = runs[~runs["set_aside"].astype(bool)]
    assert len(kept) == timings["runs"].sum() and len(runs) >= len(kept)
    runs = kept
    keys = ["backend", "scenario", "n", "rep"]
    medians = runs.groupby(keys)["wall_s"].median()
    joined = timings.set_index(keys)
    assert (joined["wall_s"] - medians.reindex(joined.index)).abs().max() < 1e-12
    counted = runs.groupby(keys)["serialized"].sum().reindex(joined.index)
    assert (counted == joined["serialized_runs"]).all()
    two = runs[runs["threads"] == 2]
    assert two[["thread0_start_ns", "thread0_end_ns", "thread1_start_ns", "thread1_end_ns"]].notna().all().all()


def test_the_rounds_are_interleaved(race_run):
    timings = pd.read_csv(race_run / "results" / "timings.csv").sort_values("started_at")
    # Locally the single timing slot runs exactly the priority order: round r before round r + 1.
    assert list(timings["rep"]) == sorted(timings["rep"])
    span = timings["ended_at"].max() - timings["started_at"].min()
    for _, cell in timings.groupby(["backend", "scenario"]):
        # at least the 3 middle rounds of 5 lie between its first and last trial
        assert cell["started_at"].max() - cell["started_at"].min() > 0.5 * span
    # and within a round the cells are shuffled, not in grid order
    first_round = timings[timings["rep"] == 1]
    listed = list(first_round.sort_values(["backend", "scenario"])[["backend", "scenario"]].itertuples(index=False))
    assert list(first_round[["backend", "scenario"]].itertuples(index=False)) != listed


def test_the_report_has_the_race_section_and_its_figures(race_run):
    report = (race_run / "results" / "report.md").read_text()
    assert "## Race outcome: did the threads overlap?" in report
    assert report.count("resolved: a GIL-holding first call") == 2
    for name in ("race", "drift"):
        assert (race_run / "results" / "figures" / f"{name}.png").stat().st_size > 10_000
    html = (race_run / "results" / "report.html").read_text()
    assert 'id="race"' in html and 'id="fig-drift"' in html
