"""The interference columns of timings.csv, runs.csv and threads.csv (record schema 3)."""

from __future__ import annotations

import pandas as pd
import pytest

from rtg.collect import aggregate
from rtg.trial import interference
from tests.rtg.collect.test_aggregate_axes import _trial

SPAN_NS = 100_000_000  # 0.1 s


def run(number: int, wall_s: float, disturbed: bool = False, set_aside: bool = False, delay: float = 0.0) -> dict:
    return {
        "run": number, "wall_s": wall_s, "cpu_s": 0.1, "started_at": 5.0 + number, "pinned": True,
        "serialized": False, "correct": True, "threads": [[0, SPAN_NS, 0.05]],
        "signals": [[delay, 0.001, 3]], "disturbed": disturbed, "set_aside": set_aside,
    }  # fmt: skip


def gate(waited_s: float, calm: bool) -> dict:
    return {"waited_s": waited_s, "windows": 1, "calm": calm}


def disturbed_trial() -> dict:
    """Kept attempt 2 of 2: one of its runs set aside and replaced; attempt 1 stayed disturbed."""
    earlier = {
        "attempt": 1, "disturbed": True, "planned_runs": 2, "run_count": 4,
        "runs": [run(i, 0.3, disturbed=True, delay=0.01) for i in (1, 2, 3, 4)],
        "quiet_gate": [gate(5.0, False), gate(5.0, False)],
        "interference": {"replacement_runs": 2, "cause": "hypervisor steal"},
    }  # fmt: skip
    return _trial(
        runs=[run(1, 0.4, disturbed=True, set_aside=True, delay=0.01), run(2, 0.1), run(3, 0.2)],
        planned_runs=2,
        remeasure=True,
        disturbed=False,
        attempt=2,
        attempts=2,
        earlier_attempts=[earlier],
        quiet_gate=[gate(0.1, True), gate(0.3, True)],
        interference={
            "steal_s": 0.02, "others_cpu_s": 0.5, "run_delay_s": 0.01, "worker_steal_s": 0.003,
            "disturbed_runs": 1, "set_aside_runs": 1, "replacement_runs": 1, "cause": "hypervisor steal",
        },
    )  # fmt: skip


def test_timings_has_the_interference_columns_in_order():
    start = aggregate.TIMING_COLUMNS.index("serialized_runs") + 1
    assert aggregate.TIMING_COLUMNS[start : start + len(aggregate.INTERFERENCE_COLUMNS)] == (
        aggregate.INTERFERENCE_COLUMNS
    )
    table = aggregate.timings_table([disturbed_trial(), _trial(scenario="nogil")])
    assert set(aggregate.INTERFERENCE_COLUMNS) <= set(table.columns)


def test_a_trials_values_rest_on_its_kept_runs_and_count_every_attempts_cure():
    row = aggregate.timings_table([disturbed_trial()]).iloc[0]
    assert row["runs"] == 2  # three timed, one set aside
    assert bool(row["disturbed"]) is False and row["cause"] == "hypervisor steal"
    assert (row["steal_s"], row["others_cpu_s"], row["run_delay_s"], row["worker_steal_s"]) == (0.02, 0.5, 0.01, 0.003)
    assert (row["planned_runs"], row["disturbed_runs"], row["set_aside_runs"]) == (2, 1, 1)
    assert row["replacement_runs"] == 3  # 1 in the kept attempt, 2 in the earlier one
    assert row["attempts"] == 2
    assert row["quiet_wait_s"] == pytest.approx(10.4)  # every gate of every attempt
    assert bool(row["quiet_calm"]) is True  # the kept attempt's first gate
    assert bool(row["remeasure"]) is True


def test_a_record_from_before_schema_3_gets_empty_interference_columns():
    row = aggregate.timings_table([_trial()]).iloc[0]
    assert bool(row["disturbed"]) is False
    assert pd.isna(row["cause"]) and pd.isna(row["steal_s"]) and pd.isna(row["quiet_wait_s"])
    assert pd.isna(row["remeasure"])  # what the analysis reads as "no signals" (rtg/analysis/interference.py)
    assert (row["planned_runs"], row["disturbed_runs"], row["set_aside_runs"], row["attempts"]) == (1, 0, 0, 1)


def test_runs_csv_holds_every_run_of_every_attempt_with_earlier_ones_set_aside():
    runs = aggregate.runs_table([disturbed_trial()])
    assert list(runs.columns[: len(aggregate.RUN_COLUMNS)]) == aggregate.RUN_COLUMNS
    assert list(zip(runs["attempt"], runs["run"], strict=True)) == [
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 1),
        (2, 2),
        (2, 3),
    ]
    earlier = runs[runs["attempt"] == 1]
    assert earlier["set_aside"].all() and earlier["disturbed"].all()
    kept_attempt = runs[runs["attempt"] == 2]
    assert kept_attempt["set_aside"].tolist() == [True, False, False]
    assert kept_attempt["disturbed"].tolist() == [True, False, False]
    # What every statistic reads (rtg/analysis/stats.py kept_runs): the kept attempt's undisturbed runs.
    assert runs.loc[~runs["set_aside"], "wall_s"].tolist() == [0.1, 0.2]


def test_runs_csv_has_each_workers_signals_per_run():
    runs = aggregate.runs_table([disturbed_trial()])
    for name in aggregate.THREAD_SIGNAL_COLUMNS:
        assert f"thread0_{name}" in runs.columns
    assert aggregate.THREAD_SIGNAL_COLUMNS == [*interference.THREAD_SIGNALS, "cpu_share"]
    first = runs.iloc[0]
    assert (first["thread0_run_delay_s"], first["thread0_steal_s"], first["thread0_involuntary_switches"]) == (
        0.01,
        0.001,
        3,
    )
    assert first["thread0_cpu_share"] == pytest.approx(0.5)  # 0.05 s of CPU in a 0.1 s span


def test_a_run_without_signals_gets_empty_signal_columns_and_is_not_disturbed():
    old = _trial(runs=[{k: v for k, v in run(1, 0.1).items() if k not in ("signals", "disturbed", "set_aside")}])
    row = aggregate.runs_table([old]).iloc[0]
    assert pd.isna(row["thread0_run_delay_s"]) and pd.isna(row["thread0_steal_s"])
    assert row["thread0_cpu_share"] == pytest.approx(0.5)
    assert not row["disturbed"] and not row["set_aside"] and row["attempt"] == 1


def test_threads_csv_has_the_shown_runs_signals():
    record = _trial()
    record["thread_records"][0].update(run_delay_s=0.002, steal_s=0.0, involuntary_switches=4, end_ns=200)
    row = aggregate.threads_table([record]).iloc[0]
    assert (row["run_delay_s"], row["steal_s"], row["involuntary_switches"]) == (0.002, 0.0, 4)
    assert row["cpu_share"] == pytest.approx(0.1 / 200e-9)
    assert set(aggregate.THREAD_SIGNAL_COLUMNS) <= set(aggregate.THREAD_COLUMNS)
