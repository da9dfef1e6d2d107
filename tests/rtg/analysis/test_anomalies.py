"""Anomaly flags on modelled runs with planted problems."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from rtg.analysis import anomalies, stats
from tests.rtg.synthetic import simulate


def _all_flags(timings, threads, cflags=None):
    metrics = stats.trial_metrics(timings, threads)
    summary = stats.summarize(timings, threads)
    return anomalies.flags(timings, metrics, summary, cflags)


def test_clean_run_has_no_warnings():
    timings, threads = simulate(n_values=(10**8,), repetitions=5, noise=0.005)
    table = _all_flags(timings, threads)
    assert (table["severity"] != anomalies.WARNING).all(), table


def test_slow_nogil_copy_is_flagged_with_the_build_flags():
    timings, threads = simulate(scenarios=("gil", "nogil"), n_values=(10**8,))
    slow = (timings["backend"] == "cython") & (timings["scenario"] == "nogil")
    timings.loc[slow, "wall_s"] *= 2.0
    table = _all_flags(timings, threads, cflags=["-O3"])
    hits = table[table["kind"] == "gil/nogil copies differ"]
    assert list(hits["cell"]) == ["cython / n=100,000,000"]
    ratio = float(re.search(r"takes ([0-9.]+)×", hits.iloc[0]["message"]).group(1))
    assert ratio == pytest.approx(2.0, abs=0.05)
    assert "-O3" in hits.iloc[0]["message"]


def test_noisy_and_small_cells_are_flagged():
    timings, threads = simulate(
        backends=("numba",),
        scenarios=("gil",),
        n_values=(10**8,),
        repetitions=3,
    )
    timings["wall_s"] = [0.2, 0.3, 0.25]  # CV 20 %
    kinds = set(_all_flags(timings, threads)["kind"])
    assert "few repetitions" in kinds and "noisy cell" in kinds


def test_interference_by_load_and_by_lost_cpu_time():
    timings, threads = simulate(backends=("numba",), scenarios=("gil", "gil+gil"), n_values=(10**8,))
    timings.loc[0, "loadavg_before"] = 3.5  # gil rep 1: machine busy before
    timings.loc[1, "cpu_s"] = 0.5 * timings.loc[1, "wall_s"]  # gil rep 2: half the time descheduled
    pair = timings.index[timings["scenario"] == "gil+gil"][0]
    timings.loc[pair, "wall_s"] *= 1.5  # neither thread ran for a while
    metrics = stats.trial_metrics(timings, threads)
    suspect = anomalies.interference(metrics)
    assert sorted(suspect.index.tolist()) == sorted([0, 1, pair])
    assert "load average 3.50" in suspect.loc[0, "reason"]
    assert "CPU 50% of wall" in suspect.loc[1, "reason"]
    flags = anomalies.interference_flags(metrics)
    assert [f["message"].split(":")[0] for f in flags] == [
        "2 of 5 trials",
        "1 of 5 trials",
    ]


def test_incorrect_results_are_listed_first():
    timings, threads = simulate(backends=("numba",), scenarios=("gil",), n_values=(10**8,))
    timings.loc[2, "correct"] = False
    table = _all_flags(timings, threads)
    assert table.iloc[0]["kind"] == "incorrect result"
    assert "rep 3" in table.iloc[0]["message"]


def test_disturbed_cells_need_half_their_trials_interfered():
    timings, threads = simulate(backends=("numba",), scenarios=("gil",), n_values=(10**8,), repetitions=4)
    timings.loc[[0], "loadavg_before"] = 9.0
    metrics = stats.trial_metrics(timings, threads)
    assert anomalies.disturbed_cells(metrics) == set()
    timings.loc[[0, 1], "loadavg_before"] = 9.0
    metrics = stats.trial_metrics(timings, threads)
    assert anomalies.disturbed_cells(metrics) == {("numba", "gil", 10**8)}


def test_missing_trials_are_flagged_per_cell_with_the_reason():
    timings, threads = simulate(backends=("numba",), scenarios=("gil",), n_values=(10**8,))
    gone = pd.DataFrame(
        [
            ("numba", "gil", 10**8, 4, "t4.json", "t4.log", "TIME LIMIT EXCEEDED"),
            ("numba", "gil", 10**8, 6, "t6.json", "t6.log", "TIME LIMIT EXCEEDED"),
        ],
        columns=["backend", "scenario", "n", "rep", "trial_file", "log_file", "reason"],
    )
    metrics = stats.trial_metrics(timings, threads)
    table = anomalies.flags(timings, metrics, stats.summarize(timings, threads), missing_trials=gone)
    row = table[table["kind"] == "missing trials"].iloc[0]
    assert row["cell"] == "numba / gil / n=100,000,000"
    assert row["message"] == "rep 4, 6 missing (never imputed): TIME LIMIT EXCEEDED"


def test_slow_native_kernels_are_flagged_from_the_cycles_table():
    cycles = pd.DataFrame(
        {
            "backend": ["cython", "cython", "python"],
            "scenario": ["gil", "nogil", "gil"],
            "n": [10**9, 10**9, 10**7],
            "cycles_per_iteration": [1.01, 2.12, 150.0],
            "cycles_per_iteration_cpu": [1.0, 2.1, float("nan")],
            "flagged": [False, True, False],
        }
    )
    rows = anomalies.slow_kernels(cycles)
    assert len(rows) == 1
    assert rows[0]["kind"] == "slow kernel"
    assert rows[0]["cell"] == "cython / nogil / n=1,000,000,000"
    assert "2.10 cycles" in rows[0]["message"]
    assert anomalies.slow_kernels(None) == []


def test_a_schema_3_trial_is_flagged_by_the_cause_it_measured_never_by_cpu_shares():
    timings, threads = simulate(backends=("numba",), scenarios=("gil", "gil+gil"), n_values=(10**8,), repetitions=4)
    timings = timings.assign(
        disturbed=False, cause=None, steal_s=0.0, others_cpu_s=0.0, run_delay_s=0.0, planned_runs=5,
        disturbed_runs=0, attempts=1, remeasure=True,
    )  # fmt: skip
    steal = timings.index[timings["scenario"] == "gil"][:2]
    timings.loc[steal, ["disturbed", "cause", "steal_s", "disturbed_runs", "attempts"]] = [
        True, "hypervisor steal", 1.5, 5, 3,
    ]  # fmt: skip
    # A trial that lost CPU time (the old guess) but whose signals say no run was disturbed: no flag.
    quiet = timings.index[timings["scenario"] == "gil+gil"][0]
    timings.loc[quiet, "loadavg_before"] = 9.0
    metrics = stats.trial_metrics(timings, threads)
    suspect = anomalies.interference(metrics)
    assert sorted(suspect.index.tolist()) == sorted(steal.tolist())
    assert suspect.iloc[0]["reason"].startswith("hypervisor steal: 5 of its runs disturbed after 3 attempt(s)")
    [flag] = anomalies.interference_flags(metrics)
    assert flag["kind"] == "disturbed by hypervisor steal"
    assert "other programs" not in flag["kind"] + flag["message"]
    assert flag["message"].startswith("2 of 4 trials: hypervisor steal")
    assert anomalies.disturbed_cells(metrics) == {("numba", "gil", 10**8)}


def test_threads_that_outnumber_the_cpus_are_flagged_oversubscribed_per_cell():
    trials = pd.DataFrame(
        {
            "backend": ["hashlib_sha256_1kib"] * 4,
            "scenario": ["call", "call+call+call", "call+call+call", "call+call"],
            "n": [20] * 4,
            "threads": [1, 3, 3, 2],
            "usable_cpus": [2, 2, 2, 2],
            "oversubscribed": [False, True, True, None],  # None: a record from before thread_counts
        }
    )
    rows = anomalies.oversubscribed_cells(trials)
    assert [(r["severity"], r["kind"], r["cell"]) for r in rows] == [
        ("warning", "oversubscribed", "hashlib_sha256_1kib / call+call+call / n=20")
    ]
    assert rows[0]["message"].startswith("3 threads on 2 CPUs in 2 trial(s): threads shared CPUs")
    assert anomalies.oversubscribed_cells(trials.drop(columns="oversubscribed")) == []
