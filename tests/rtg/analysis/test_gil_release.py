"""Which calls release the GIL: the verdict rule, the source beside it, the heartbeat and the cells it reads."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from rtg.analysis import gil_release
from tests.rtg.gil_tables import FREE, GIL, KERNELS, NAN, cell, tables


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1.01, 1.06, "releases"),
        (0.90, 1.2999, "releases"),
        (1.98, 2.10, "holds"),
        (1.7001, 1.9, "holds"),
        (1.40, 1.49, "partly"),
        (1.30, 1.70, "partly"),  # the band's ends belong to it
        (1.20, 1.40, "unclear"),  # crosses 1.3
        (1.60, 1.80, "unclear"),  # crosses 1.7
        (1.00, 1.30, "unclear"),  # touches 1.3 from below: not wholly below it
        (1.10, 2.10, "unclear"),  # crosses both
        (NAN, NAN, "unclear"),  # one trial: no CI
    ],
)
def test_the_rule_judges_the_whole_interval(low, high, expected):
    assert gil_release.verdict(low, high) == expected


def test_the_rule_in_words_names_the_thresholds():
    assert gil_release.RELEASES_BELOW == 1.3 and gil_release.HOLDS_ABOVE == 1.7
    assert "below 1.3×" in gil_release.RULE and "above 1.7×" in gil_release.RULE
    assert "within 1.3–1.7×" in gil_release.RULE and "crosses 1.3× or 1.7×" in gil_release.RULE


def gallery() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Five one-mode calls and Cython's pair on a GIL build; the same sha256 and Cython on a free-threaded one."""
    return tables(
        [
            (cell("hashlib_sha256_1mib", "call"), {"stall": [0.02, 0.03, 0.01]}),
            (cell("hashlib_sha256_1mib", "call+call", 1.03, 1.01, 1.06), {"stall": [0.5, 0.5, 0.5]}),
            (cell("hashlib_sha256_1kib", "call"), {"stall": [0.97, 0.99, 0.98]}),
            (cell("hashlib_sha256_1kib", "call+call", 2.04, 1.98, 2.10), {}),
            (cell("re_search", "call"), {"stall": [0.7, 0.8, 0.75]}),
            (cell("re_search", "call+call", 1.44, 1.40, 1.49), {}),
            (cell("json_dumps", "call"), {"stall": [0.9, 0.95, NAN]}),
            (cell("json_dumps", "call+call", 1.50, 1.20, 1.80), {}),
            (cell("numpy_dot", "call"), {}),
            (cell("numpy_dot", "call+call", 1.17, 1.10, 1.25), {"oversubscribed": True}),
            (cell("cython", "gil"), {}),
            (cell("cython", "nogil"), {}),
            (cell("cython", "gil+gil", 2.00, 1.99, 2.01), {}),
            (cell("cython", "nogil+nogil", 1.00, 0.99, 1.02), {}),
            (cell("cython", "nogil+gil", 1.02, 1.00, 1.04), {}),  # mixed: not a call of one mode
            (cell("hashlib_sha256_1kib", "call", interpreter=FREE), {}),
            (cell("hashlib_sha256_1kib", "call+call", 1.05, 1.02, 1.08, interpreter=FREE), {}),
            (cell("cython", "gil", interpreter=FREE, gil_enabled=True), {}),
            (cell("cython", "gil+gil", 1.98, 1.95, 2.02, interpreter=FREE, gil_enabled=True), {}),
            (cell("numpy_dot", "call", executor="processes"), {}),
            (cell("numpy_dot", "call+call", 1.0, 0.98, 1.02, executor="processes"), {}),
        ]
    )


@pytest.fixture(scope="module")
def found():
    summary, timings = gallery()
    return gil_release.table(summary, timings, KERNELS)


def by_function(found: pd.DataFrame, interpreter: str = GIL) -> dict[str, dict]:
    return {r["function"]: r for r in found[found["interpreter"] == interpreter].to_dict("records")}


def test_columns_a_script_can_rely_on_come_first_in_order(found):
    assert tuple(found.columns[: len(gil_release.COLUMNS)]) == gil_release.COLUMNS
    assert gil_release.COLUMNS == (
        "function", "interpreter", "gil_enabled", "ratio", "ratio_ci_low", "ratio_ci_high", "stall_share", "verdict",
    )  # fmt: skip
    for extra in ("backend", "mode", "n", "source_says", "source_cites", "agrees", "oversubscribed"):
        assert extra in found.columns


def test_one_row_per_function_and_gil_interpreter_with_each_verdict(found):
    rows = by_function(found)
    verdicts = {f: r["verdict"] for f, r in rows.items()}
    assert verdicts == {
        "hashlib_sha256_1mib": "releases",
        "hashlib_sha256_1kib": "holds",
        "re_search": "partly",
        "json_dumps": "unclear",
        "numpy_dot": "releases",
        "cython_gil": "holds",
        "cython_nogil": "releases",
    }
    sha = rows["hashlib_sha256_1mib"]
    assert (sha["ratio"], sha["ratio_ci_low"], sha["ratio_ci_high"]) == (1.03, 1.01, 1.06)
    assert (sha["backend"], sha["mode"], sha["n"], sha["gil_enabled"]) == ("hashlib_sha256_1mib", "call", 1 << 20, True)
    assert rows["cython_nogil"]["mode"] == "nogil" and rows["cython_nogil"]["backend"] == "cython"


def test_the_stall_share_is_the_one_thread_cells_median(found):
    rows = by_function(found)
    assert rows["hashlib_sha256_1mib"]["stall_share"] == pytest.approx(0.02)  # not the pair's 0.5
    assert rows["hashlib_sha256_1kib"]["stall_share"] == pytest.approx(0.98)
    assert rows["json_dumps"]["stall_share"] == pytest.approx(0.925)  # a trial without the heartbeat is skipped
    assert math.isnan(rows["numpy_dot"]["stall_share"])  # heartbeat: false


def test_each_verdict_stands_beside_its_source_and_a_disagreement_is_kept(found):
    rows = by_function(found)
    assert rows["hashlib_sha256_1mib"]["source_says"] == "releases" and rows["hashlib_sha256_1mib"]["agrees"] is True
    assert rows["hashlib_sha256_1kib"]["source_cites"] == "Modules/hashlib.h: HASHLIB_GIL_MINSIZE 2048"
    assert rows["re_search"]["source_says"] == "holds" and rows["re_search"]["agrees"] is False
    assert pd.isna(rows["json_dumps"]["source_says"]) and rows["json_dumps"]["agrees"] is None  # source unknown
    assert rows["cython_gil"]["agrees"] is True and rows["cython_nogil"]["agrees"] is True
    against = gil_release.disagreements(found)
    assert list(against["function"]) == ["re_search"]


def test_an_unclear_verdict_neither_agrees_nor_disagrees():
    assert gil_release.agrees("unclear", "holds") is None
    assert gil_release.agrees("partly", "partly") is True
    assert gil_release.agrees("releases", None) is None


def test_only_threads_of_one_interpreter_with_a_gil_count(found):
    assert set(found["interpreter"]) == {GIL, FREE}
    free = by_function(found, FREE)
    # sha256 1 KiB ran without a GIL on 3.14t: that is scaling, not a verdict on releasing the GIL.
    assert "hashlib_sha256_1kib" not in free
    # Cython's module switched the GIL back on there, so that cell did have a GIL.
    assert free["cython_gil"]["verdict"] == "holds" and free["cython_gil"]["gil_disabled_build"]
    assert "processes" not in found.columns.tolist() and len(found) == 8  # no processes pair, no mixed scenario


def test_an_oversubscribed_pair_is_marked(found):
    rows = by_function(found)
    assert rows["numpy_dot"]["oversubscribed"] and not rows["hashlib_sha256_1mib"]["oversubscribed"]


def test_results_of_an_older_run_read_as_gil_and_nogil_with_an_unknown_source():
    summary, timings = tables(
        [(cell("numba", s, *r), {}) for s, r in [("gil", ()), ("nogil", ()), ("gil+gil", (1.99, 1.97, 2.02)),
                                                    ("nogil+nogil", (1.01, 0.99, 1.03))]]
    )  # fmt: skip
    timings = timings.drop(columns=["heartbeat_stall_share", "oversubscribed"])
    found = gil_release.table(summary, timings, {"numba": {"builtin": True, "check": "fibonacci"}})
    assert list(found["function"]) == ["numba_gil", "numba_nogil"]
    assert list(found["verdict"]) == ["holds", "releases"]
    assert found["source_says"].isna().all() and list(found["agrees"]) == [None, None]
    assert found["stall_share"].isna().all() and not found["oversubscribed"].any()


def test_a_kernel_missing_from_the_facts_is_named_by_what_ran():
    summary, timings = tables(
        [(cell("zlib_compress", "call"), {}), (cell("zlib_compress", "call+call", 0.98, 0.95, 1.01), {})]
    )
    found = gil_release.table(summary, timings, None)
    assert list(found["function"]) == ["zlib_compress"] and list(found["verdict"]) == ["releases"]


def test_each_n_is_a_row_of_its_own_and_a_pair_without_its_single_call_is_none():
    summary, timings = tables(
        [
            (cell("hashlib_sha256_1mib", "call", n=1024), {}),
            (cell("hashlib_sha256_1mib", "call+call", 2.0, 1.9, 2.1, n=1024), {}),
            (cell("hashlib_sha256_1mib", "call"), {}),
            (cell("hashlib_sha256_1mib", "call+call", 1.02, 1.0, 1.04), {}),
            (cell("zlib_compress", "call+call", NAN, NAN, NAN), {}),  # no baseline: the summary has no ratio
        ]
    )
    found = gil_release.table(summary, timings, KERNELS)
    assert list(zip(found["n"], found["verdict"], strict=True)) == [(1024, "holds"), (1 << 20, "releases")]


def test_nothing_measured_gives_an_empty_table_with_the_columns():
    empty = gil_release.table(pd.DataFrame(), pd.DataFrame(), KERNELS)
    assert empty.empty and tuple(empty.columns[:8]) == gil_release.COLUMNS
    summary, timings = tables([(cell("json_dumps", "call"), {})])
    assert gil_release.table(summary, timings, KERNELS).empty


def test_the_docs_state_the_rule_with_the_modules_thresholds():
    from pathlib import Path

    method = (Path(__file__).resolve().parents[3] / "docs" / "method.md").read_text(encoding="utf-8")
    part = method.split("**Which calls release the GIL**")[1].split("\n- **")[0]
    part = part.replace("\n  ", " ")
    assert f"lies below {gil_release.RELEASES_BELOW:g}×" in part and f"above {gil_release.HOLDS_ABOVE:g}×" in part
    assert f"within {gil_release.RELEASES_BELOW:g}–{gil_release.HOLDS_ABOVE:g}×" in part


def test_a_pair_that_could_not_be_pinned_on_one_cpu_is_judged_and_marked():
    one = cell("zlib_compress", "call")
    two = {**cell("zlib_compress", "call+call"), "pinned": False}  # two threads, one CPU: pinning impossible
    summary, timings = tables([(one, {}), (two, {"oversubscribed": True})])
    timings.loc[timings["scenario"] == "call", "wall_s"] = [0.010, 0.011, 0.009]
    timings.loc[timings["scenario"] == "call+call", "wall_s"] = [0.020, 0.021, 0.019]
    (row,) = gil_release.table(summary, timings, None).to_dict("records")
    assert row["ratio"] == pytest.approx(2.0) and row["ratio_ci_low"] <= 2.0 <= row["ratio_ci_high"]
    assert row["oversubscribed"] and row["pinned"]
