"""Thread scaling: speedup T ÷ ratio with its interval turned over, efficiency, the T = 1 row, both builds."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from rtg.analysis import scaling
from tests.rtg.gil_tables import FREE, GIL, KERNELS, NAN, cell, tables


def sweep() -> tuple[pd.DataFrame, pd.DataFrame]:
    """sha256 of 1 KiB and json.dumps on 1-3 threads on 3.14 and on 3.14t; one oversubscribed cell."""
    return tables(
        [
            (cell("hashlib_sha256_1kib", "call"), {}),
            (cell("hashlib_sha256_1kib", "call+call", 2.0, 1.9, 2.1), {}),
            (cell("hashlib_sha256_1kib", "call+call+call", 3.0, 2.9, 3.2), {}),
            (cell("hashlib_sha256_1kib", "call", interpreter=FREE), {}),
            (cell("hashlib_sha256_1kib", "call+call", 1.05, 1.0, 1.1, interpreter=FREE), {}),
            (cell("hashlib_sha256_1kib", "call+call+call", 1.2, 1.1, 1.3, interpreter=FREE), {"oversubscribed": True}),
            (cell("json_dumps", "call", interpreter=FREE), {}),
            (cell("json_dumps", "call+call", 2.19, 2.1, 2.3, interpreter=FREE), {}),
            (cell("json_dumps", "call"), {}),
            (cell("json_dumps", "call+call", 1.96, 1.9, 2.0), {}),
            (cell("cython", "gil"), {}),
            (cell("cython", "nogil"), {}),
            (cell("cython", "gil+gil", 2.0, 1.98, 2.02), {}),
            (cell("cython", "nogil+nogil", 1.25, NAN, NAN), {}),  # one trial: no CI
            (cell("cython", "nogil+gil", 1.0, 0.98, 1.02), {}),  # mixed: not scaling of one call
            (cell("numpy_dot", "call", executor="processes"), {}),
            (cell("numpy_dot", "call+call", 1.0, 0.98, 1.02, executor="processes"), {}),
        ]
    )


@pytest.fixture(scope="module")
def found():
    summary, timings = sweep()
    return scaling.table(summary, timings, KERNELS)


def rows_of(found: pd.DataFrame, function: str, interpreter: str) -> dict[int, dict]:
    mine = found[(found["function"] == function) & (found["interpreter"] == interpreter)]
    return {r["threads"]: r for r in mine.to_dict("records")}


def test_columns_a_script_can_rely_on_come_first_in_order(found):
    assert scaling.COLUMNS == (
        "function", "interpreter", "gil_enabled", "threads", "speedup", "speedup_ci_low", "speedup_ci_high",
        "efficiency",
    )  # fmt: skip
    assert tuple(found.columns[: len(scaling.COLUMNS)]) == scaling.COLUMNS
    for extra in ("backend", "mode", "n", "gil_disabled_build", "oversubscribed"):
        assert extra in found.columns


def test_the_one_thread_row_is_one_by_definition(found):
    one = rows_of(found, "hashlib_sha256_1kib", FREE)[1]
    assert (one["speedup"], one["speedup_ci_low"], one["speedup_ci_high"], one["efficiency"]) == (1, 1, 1, 1)


def test_speedup_is_threads_over_ratio_and_its_interval_turns_over(found):
    two = rows_of(found, "hashlib_sha256_1kib", FREE)[2]
    assert two["speedup"] == pytest.approx(2 / 1.05)
    assert two["speedup_ci_low"] == pytest.approx(2 / 1.1)  # the ratio's high end gives the speedup's low end
    assert two["speedup_ci_high"] == pytest.approx(2 / 1.0)
    assert two["speedup_ci_low"] < two["speedup"] < two["speedup_ci_high"]
    assert two["efficiency"] == pytest.approx(1 / 1.05)
    three = rows_of(found, "hashlib_sha256_1kib", GIL)[3]
    assert three["speedup"] == pytest.approx(1.0) and three["efficiency"] == pytest.approx(1 / 3)
    assert (three["speedup_ci_low"], three["speedup_ci_high"]) == (pytest.approx(3 / 3.2), pytest.approx(3 / 2.9))


def test_gil_and_free_threaded_builds_stand_side_by_side(found):
    gil, free = rows_of(found, "hashlib_sha256_1kib", GIL), rows_of(found, "hashlib_sha256_1kib", FREE)
    assert sorted(gil) == sorted(free) == [1, 2, 3]
    assert all(r["gil_enabled"] and not r["gil_disabled_build"] for r in gil.values())
    assert all(not r["gil_enabled"] and r["gil_disabled_build"] for r in free.values())


def test_only_threads_of_one_mode_are_scaling(found):
    assert set(found["function"]) == {"hashlib_sha256_1kib", "json_dumps", "cython_gil", "cython_nogil"}
    assert "nogil+gil" not in set(found["mode"])  # mixed scenarios left out
    assert not (found["backend"] == "numpy_dot").any()  # processes never share a GIL: no row


def test_oversubscribed_cells_are_marked(found):
    free = rows_of(found, "hashlib_sha256_1kib", FREE)
    assert free[3]["oversubscribed"] and not free[2]["oversubscribed"] and not free[1]["oversubscribed"]


def test_no_interval_gives_no_speedup_interval_and_an_unclear_judgement(found):
    two = rows_of(found, "cython_nogil", GIL)[2]
    assert two["speedup"] == pytest.approx(2 / 1.25)
    assert math.isnan(two["speedup_ci_low"]) and math.isnan(two["speedup_ci_high"])
    assert scaling.judge(two) == scaling.UNCLEAR


@pytest.mark.parametrize(
    ("threads", "low", "high", "expected"),
    [
        (2, 1.8, 2.0, "scales"),
        (4, 3.2, 3.8, "scales"),
        (4, 2.8, 3.8, "some gain"),  # efficiency's CI reaches below 75 %
        (2, 1.0, 1.15, "no gain"),
        (2, 0.85, 0.95, "slower"),
        (2, 1.1, 1.6, "some gain"),
    ],
)
def test_the_judgement_at_the_largest_thread_count(threads, low, high, expected):
    assert scaling.judge({"threads": threads, "speedup_ci_low": low, "speedup_ci_high": high}) == expected


def test_each_function_is_judged_at_its_largest_thread_count(found):
    top = scaling.largest(found)
    judged = {(r.function, r.interpreter): (r.threads, r.judgement) for r in top.itertuples()}
    assert judged[("hashlib_sha256_1kib", FREE)] == (3, "scales")  # 3 ÷ 1.3: efficiency above 77 %
    assert judged[("hashlib_sha256_1kib", GIL)] == (3, "no gain")
    assert judged[("json_dumps", FREE)] == (2, "slower")
    assert judged[("cython_gil", GIL)] == (2, "no gain")


def test_the_headline_counts_the_calls_that_scale_free_threaded_first():
    summary, timings = tables(
        [
            (cell("hashlib_sha256_1kib", "call", interpreter=FREE), {}),
            (cell("hashlib_sha256_1kib", "call+call", 1.05, 1.02, 1.08, interpreter=FREE), {}),
            (cell("json_dumps", "call", interpreter=FREE), {}),
            (cell("json_dumps", "call+call", 2.19, 2.1, 2.3, interpreter=FREE), {}),
            (cell("hashlib_sha256_1kib", "call"), {}),
            (cell("hashlib_sha256_1kib", "call+call", 2.04, 1.98, 2.10), {}),
            (cell("json_dumps", "call"), {}),
            (cell("json_dumps", "call+call", 1.96, 1.9, 2.0), {}),
        ]
    )
    found = scaling.table(summary, timings, KERNELS)
    assert scaling.headline(found) == "On CPython 3.14t, 1 of 2 calls scale with threads; on CPython 3.14, 0 of 2"


def test_nothing_on_several_threads_gives_no_rows():
    summary, timings = tables([(cell("json_dumps", "call"), {}), (cell("re_search", "call+call", NAN), {})])
    empty = scaling.table(summary, timings, KERNELS)
    assert empty.empty and tuple(empty.columns[:8]) == scaling.COLUMNS
    assert scaling.headline(empty) == "No function ran on more than one thread"
    assert scaling.table(pd.DataFrame(), pd.DataFrame(), None).empty


def test_the_docs_state_the_rule_with_the_modules_thresholds():
    from pathlib import Path

    method = (Path(__file__).resolve().parents[3] / "docs" / "method.md").read_text(encoding="utf-8")
    part = method.split("**Thread scaling**")[1].split("\n- **")[0].replace("\n  ", " ")
    assert f"lies above {scaling.SCALES_ABOVE * 100:g} %" in part
    assert f"below {scaling.NO_GAIN_BELOW:g}×" in part and "T ÷ high to T ÷ low" in part


def test_threads_that_could_not_be_pinned_are_compared_with_the_pinned_single_call():
    # T = 3 on 2 CPUs: the trial asked for pinning but could not, so the tables say pinned False for that cell
    # alone, and the summary found no baseline beside it (its ratio is empty).
    one = cell("hashlib_sha256_1kib", "call")
    three = {**cell("hashlib_sha256_1kib", "call+call+call"), "pinned": False}
    summary, timings = tables([(one, {}), (three, {"oversubscribed": True})])
    timings.loc[timings["scenario"] == "call", "wall_s"] = [0.010, 0.011, 0.009]
    timings.loc[timings["scenario"] == "call+call+call", "wall_s"] = [0.015, 0.016, 0.014]
    assert summary["ratio"].isna().all()
    found = scaling.table(summary, timings, KERNELS)
    rows = rows_of(found, "hashlib_sha256_1kib", GIL)
    assert sorted(rows) == [1, 3]
    assert rows[3]["speedup"] == pytest.approx(3 / 1.5)
    assert rows[3]["speedup_ci_low"] < rows[3]["speedup"] < rows[3]["speedup_ci_high"]
    assert rows[3]["oversubscribed"] and rows[3]["pinned"]  # the value it asked for; oversubscribed says the rest
