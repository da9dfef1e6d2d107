"""Interference per cell and per grid, and the answer's words on it, from modelled runs with planted signals."""

from __future__ import annotations

import pandas as pd
import pytest

from rtg.analysis import interference
from rtg.trial.disturbance import OTHERS, OWN_JOBS, STEAL
from tests.rtg.synthetic import simulate

STEAL_CELL = ("numba", "gil")
OTHERS_CELL = ("numba", "gil+gil")


def with_signals(timings: pd.DataFrame) -> pd.DataFrame:
    """``timings`` as schema-3 trials on a quiet machine: every interference column, nothing disturbed."""
    return timings.assign(
        disturbed=False, cause=None, steal_s=0.0, others_cpu_s=0.0, run_delay_s=0.0001, worker_steal_s=0.0,
        planned_runs=5, disturbed_runs=0, set_aside_runs=0, replacement_runs=0, attempts=1,
        quiet_wait_s=0.1, quiet_calm=True, remeasure=True,
    )  # fmt: skip


def grid() -> pd.DataFrame:
    timings, _ = simulate(backends=("numba",), scenarios=("gil", "gil+gil"), n_values=(10**8,), repetitions=4)
    return with_signals(timings)


def plant(timings: pd.DataFrame, cell: tuple[str, str], rows: list[int], **values) -> pd.DataFrame:
    """Set ``values`` on the ``rows``-th trials (0-based) of ``cell``."""
    index = timings.index[(timings["backend"] == cell[0]) & (timings["scenario"] == cell[1])][rows]
    for column, value in values.items():
        timings.loc[index, column] = value
    return timings


def test_records_without_signals_give_nothing():
    timings, _ = simulate(backends=("numba",), scenarios=("gil",), n_values=(10**8,), repetitions=2)
    assert interference.measured(timings).empty
    assert interference.cells(timings).empty and list(interference.cells(timings).columns) == interference.COLUMNS
    assert interference.overview(timings) == {"trials": 0}
    assert interference.sentences(interference.overview(timings)) == []
    # The columns exist but are empty (timings.csv of a grid measured before schema 3): the same.
    timings["remeasure"] = None
    assert interference.overview(timings) == {"trials": 0}


def test_a_quiet_grid_has_no_cell_and_no_sentence():
    timings = grid()
    assert interference.cells(timings).empty
    info = interference.overview(timings)
    assert info["trials"] == 8 and info["disturbed_runs"] == 0 and info["cause"] is None
    assert info["gated_trials"] == 8 and info["never_calm_trials"] == 0
    assert interference.sentences(info) == []


def test_cells_list_only_touched_cells_with_their_sums_and_cause():
    timings = grid()
    plant(timings, STEAL_CELL, [0, 1], cause=STEAL, disturbed_runs=2, set_aside_runs=2, replacement_runs=2,
          steal_s=0.5, worker_steal_s=0.03)  # fmt: skip
    plant(timings, STEAL_CELL, [2], attempts=3, disturbed=True, cause=STEAL, disturbed_runs=5, steal_s=1.0)
    plant(timings, OTHERS_CELL, [0], cause=OTHERS, disturbed_runs=1, set_aside_runs=1, replacement_runs=1,
          others_cpu_s=2.0, run_delay_s=0.02)  # fmt: skip
    table = interference.cells(timings)
    assert list(table.columns) == interference.COLUMNS
    assert list(zip(table["scenario"], table["cause"], strict=True)) == [("gil", STEAL), ("gil+gil", OTHERS)]
    steal = table.iloc[0]
    assert (steal["trials"], steal["disturbed_trials"], steal["remeasured_trials"]) == (4, 1, 1)
    assert (steal["set_aside_runs"], steal["replacement_runs"]) == (4, 4)
    assert steal["steal_s"] == pytest.approx(2.0) and steal["quiet_wait_s"] == pytest.approx(0.4)
    others = table.iloc[1]
    assert others["others_cpu_s"] == pytest.approx(2.0) and others["disturbed_trials"] == 0


def test_the_dominant_cause_is_the_most_named_and_steal_on_a_tie():
    assert interference.dominant(pd.Series([OTHERS, STEAL, OTHERS])) == OTHERS
    assert interference.dominant(pd.Series([OTHERS, STEAL])) == STEAL
    assert interference.dominant(pd.Series([OWN_JOBS, OTHERS])) == OTHERS
    assert interference.dominant(pd.Series([None, None], dtype=object)) is None


def test_a_cell_disturbed_only_by_steal_is_reported_as_steal_never_other_programs():
    # issue 23, "Done when": the cause is named.
    timings = grid()
    plant(timings, STEAL_CELL, [0, 1, 2], cause=STEAL, disturbed=True, disturbed_runs=5, attempts=3, steal_s=1.2,
          worker_steal_s=0.4)  # fmt: skip
    (row,) = interference.cells(timings).itertuples()
    assert row.cause == STEAL
    info = interference.overview(timings)
    assert info["cause"] == STEAL and info["causes"] == {STEAL: 3}
    words = " ".join(interference.sentences(info))
    assert "Interference: hypervisor steal in 3 trials (" in words and OTHERS not in words
    assert "a rerun on the same VM may meet the same neighbours" in words


def test_the_answer_names_the_cure_with_its_counts():
    timings = grid()
    plant(timings, OTHERS_CELL, [0], cause=OTHERS, disturbed_runs=2, set_aside_runs=2, replacement_runs=2,
          others_cpu_s=3.0)  # fmt: skip
    info = interference.overview(timings)
    assert (info["set_aside_runs"], info["replacement_runs"], info["remeasured_trials"]) == (2, 2, 0)
    (sentence,) = interference.sentences(info)
    assert sentence.startswith("Interference: other programs in 1 trial (")
    assert "2 disturbed runs set aside and 2 measured anew, 0 trials measured again in a new process" in sentence
    assert "the quiet gate waited 0.8 s in all" in sentence
    assert "neighbours" not in sentence  # no steal was charged: nothing to say about the VM's neighbours


def test_a_machine_never_quiet_is_said_so_and_the_trials_that_stayed_disturbed_are_counted():
    timings = grid()
    timings["quiet_calm"] = False
    timings["quiet_wait_s"] = 5.0
    plant(timings, OTHERS_CELL, [0, 1, 2, 3], disturbed=True, cause=OTHERS, disturbed_runs=5, attempts=3,
          others_cpu_s=4.0)  # fmt: skip
    info = interference.overview(timings)
    assert info["never_calm_trials"] == info["gated_trials"] == 8
    first, second = interference.sentences(info)
    assert first.startswith("The machine was never quiet: before each of the 8 trials the gate waited its whole bound")
    assert second.startswith("4 trials stayed disturbed within the bounds (remeasure_limit, quiet_wait_limit_s)")
    assert "no claim is judged on a cell where half the trials stayed disturbed" in second


def test_one_calm_gate_is_enough_to_not_say_never_quiet():
    timings = grid()
    timings["quiet_calm"] = False
    timings.loc[timings.index[0], "quiet_calm"] = True
    plant(timings, OTHERS_CELL, [0], cause=OTHERS, disturbed_runs=1, set_aside_runs=1)
    words = " ".join(interference.sentences(interference.overview(timings)))
    assert "never quiet" not in words and words.startswith("Interference:")


def test_a_busy_machine_that_disturbed_no_run_is_called_not_idle():
    timings = grid()
    plant(timings, STEAL_CELL, [0], steal_s=0.3)
    (sentence,) = interference.sentences(interference.overview(timings))
    assert sentence.startswith("The machine was not idle (hypervisor steal 0.30 CPU-s")
    assert sentence.endswith("but no run was kept off its CPU beyond the rule.")


def test_every_cause_charged_is_named_with_its_trials_the_most_frequent_first():
    timings = grid()
    plant(timings, STEAL_CELL, [0], cause=STEAL, disturbed_runs=1, set_aside_runs=1, steal_s=0.2)
    plant(timings, OTHERS_CELL, [0, 1], cause=OTHERS, disturbed_runs=1, set_aside_runs=1, others_cpu_s=1.0)
    (sentence,) = [s for s in interference.sentences(interference.overview(timings)) if s.startswith("Interference")]
    assert sentence.startswith("Interference: other programs in 2 trials and hypervisor steal in 1 trial (steal 0.20")


def test_the_overview_reads_columns_as_a_csv_gives_them():
    timings = grid()
    plant(timings, STEAL_CELL, [0], disturbed=True, cause=STEAL, disturbed_runs=5)
    from_csv = timings.astype({"disturbed": str, "remeasure": str, "quiet_calm": str})  # "True"/"False"
    assert interference.overview(from_csv) == interference.overview(timings)
