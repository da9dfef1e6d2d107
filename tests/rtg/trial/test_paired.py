"""Paired baseline: one-thread runs timed in the trial's own process (rtg/trial/paired.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import kernels
from rtg.core.scenarios import parse
from rtg.trial.paired import PairedBaseline
from rtg.trial.run import TrialPlan, run_trial


def test_the_baseline_weighs_each_token_by_its_share_of_the_threads():
    paired = PairedBaseline.of(parse("nogil+gil"))
    walls = itertools.cycle([0.010, 0.030])  # gil and nogil runs, in the baseline's token order
    for _ in range(3):
        paired.time_after(lambda token, thread: (next(walls), True), ("nogil", "gil"))
    assert [(r["token"], r["thread"]) for r in paired.runs] == [("gil", 1), ("nogil", 0)] * 3
    assert paired.baseline_s() == pytest.approx(0.5 * 0.010 + 0.5 * 0.030)
    assert paired.ratio([0.02, 0.04, 0.03]) == pytest.approx(0.03 / 0.02)
    record = paired.as_record([0.03])
    assert record["weights"] == {"gil": 0.5, "nogil": 0.5} and record["correct"] is True
    assert PairedBaseline.of(parse("call+call")).ratio([1.0]) is None  # no one-thread run yet: no ratio


def test_the_baseline_turns_over_the_threads_of_a_token_so_it_meets_every_cpu_the_scenario_uses():
    paired = PairedBaseline.of(parse("call+call+call"))
    speed = {0: 0.010, 1: 0.014, 2: 0.010}  # thread 1's CPU runs slower (a busy host core)
    for _ in range(6):
        paired.time_after(lambda token, thread: (speed[thread], True), ("call",) * 3)
    assert [r["thread"] for r in paired.runs] == [0, 1, 2, 0, 1, 2]
    assert paired.baseline_s() == pytest.approx(0.010)  # the median call over the scenario's CPUs


@pytest.fixture(scope="module")
def cython_build(tmp_path_factory) -> Path:
    build = tmp_path_factory.mktemp("paired-build")
    kernels.load("cython").build(build, ["-O2", "-funroll-loops"])
    return build


def trial(build: Path, scenario: str) -> dict:
    plan = TrialPlan(
        "cython", parse(scenario), 10_000_000, 1, inner_repetitions=4, paired_baseline=True, quiet_wait_limit_s=1.0
    )
    return run_trial(plan, build, {})


def test_a_real_trial_times_its_own_one_thread_runs_between_its_runs(cython_build):
    # Two pinned threads on 2 CPUs: the GIL-holding pair serializes (about 2x), the releasing one overlaps (about 1x).
    held, released = trial(cython_build, "gil+gil"), trial(cython_build, "nogil+nogil")
    for record in (held, released):
        paired = record["paired_baseline"]
        assert record["correct"] and paired["correct"]
        assert len(paired["runs"]) >= record["planned_runs"]  # one after every run, replacements included
        assert paired["ratio"] == pytest.approx(record["wall_s"] / paired["baseline_s"])
    assert held["paired_baseline"]["ratio"] > 1.6 > 1.3 > released["paired_baseline"]["ratio"]
    assert trial(cython_build, "gil")["paired_baseline"] is None  # one thread is its own baseline
