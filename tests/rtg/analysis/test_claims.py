"""The verdict rule on hand-made ratios, and the claims table on modelled runs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from rtg.analysis import claims
from tests.rtg.synthetic import simulate

BAND = (1.7, 2.3)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1.95, 2.05, claims.REPRODUCED),  # well inside
        (1.7, 2.3, claims.REPRODUCED),  # edges count as inside
        (0.98, 1.04, claims.NOT_REPRODUCED),  # entirely below
        (2.31, 2.5, claims.NOT_REPRODUCED),  # entirely above
        (1.6, 1.8, claims.INCONCLUSIVE),  # straddles the lower edge
        (2.2, 2.4, claims.INCONCLUSIVE),  # straddles the upper edge
        (1.0, 3.0, claims.INCONCLUSIVE),  # wider than the band
        (math.nan, math.nan, claims.INCONCLUSIVE),  # one trial: no CI
    ],
)
def test_verdict_rule_on_hand_made_ratios(low, high, expected):
    assert claims.verdict(low, high, BAND) == expected


def test_verdict_rejects_inverted_interval():
    with pytest.raises(ValueError):
        claims.verdict(2.1, 1.9, BAND)


def test_blog_ratios_are_the_printed_times():
    assert claims.blog_ratio("cython", "gil+gil") == pytest.approx(645 / 372)
    assert claims.blog_ratio("numba", "nogil+gil") == pytest.approx(279 / 251)
    assert math.isnan(claims.blog_ratio("numba", "nogil"))


def _verdicts(table):
    return {(r.claim, r.backend): r.verdict for r in table.itertuples()}


def test_modelled_run_reproduces_claims_1_to_4_and_rejects_claim_5():
    timings, _ = simulate(n_values=(10**8, 10**9), repetitions=7, noise=0.005)
    table = claims.judge(timings)
    v = _verdicts(table)
    for backend in ("cython", "numba"):
        for number in (1, 2, 3, 4):
            assert v[(number, backend)] == claims.REPRODUCED, (number, backend)
    # Both backends modelled at the same speed: ratio 1, far from 0.7-0.9.
    assert v[(5, "numba vs cython")] == claims.NOT_REPRODUCED
    assert v[(6, "cython")] == claims.NOT_TESTED and v[(6, "numba")] == claims.NOT_TESTED
    assert (table.loc[table["claim"] < 5, "n"] == 10**9).all()
    assert set(table["verdict"]) <= set(claims.VERDICTS)


def test_modelled_numba_20_percent_faster_reproduces_claim_5():
    timings, _ = simulate(ns_per_iter={"numba": 0.224}, scenarios=("gil",), n_values=(10**9,))
    row = claims.judge(timings).set_index("claim").loc[5]
    assert row["measured"] == pytest.approx(0.8, abs=0.02)
    assert row["verdict"] == claims.REPRODUCED


def test_missing_scenarios_are_not_tested_and_incorrect_trials_ignored():
    timings, _ = simulate(backends=("cython",), scenarios=("gil", "gil+gil"), repetitions=4)
    timings.loc[0, "correct"] = False
    timings.loc[0, "wall_s"] = 99.0
    v = _verdicts(claims.judge(timings))
    assert v[(2, "cython")] == claims.REPRODUCED
    assert v[(3, "cython")] == claims.NOT_TESTED
    assert v[(1, "numba")] == claims.NOT_TESTED


def test_other_executors_and_backends_are_not_judged():
    t, _ = simulate(
        backends=("cython",),
        scenarios=("gil", "gil+gil"),
        extra_columns={"executor": "threads"},
    )
    p, _ = simulate(
        backends=("cython",),
        scenarios=("gil", "gil+gil"),
        extra_columns={"executor": "processes"},
    )
    p["wall_s"] *= 5
    table = claims.judge(pd.concat([t, p], ignore_index=True))
    assert _verdicts(table)[(2, "cython")] == claims.REPRODUCED


def test_interpreter_axis_gets_its_own_rows():
    a, _ = simulate(
        backends=("numba",),
        scenarios=("gil", "gil+gil"),
        extra_columns={"interpreter": "3.11"},
    )
    b, _ = simulate(
        backends=("numba",),
        scenarios=("gil", "gil+gil"),
        extra_columns={"interpreter": "3.13t"},
    )
    table = claims.judge(pd.concat([a, b], ignore_index=True))
    rows = table[(table["claim"] == 2) & (table["backend"] == "numba")]
    assert sorted(rows["context"]) == ["interpreter=3.11", "interpreter=3.13t"]


def test_safety_outcomes_judge_claim_6_per_toolchain():
    safety = pd.DataFrame(
        [
            (
                "cython",
                "Cython 0.29.37",
                "nested_with_nogil",
                "fatal_error",
                -6,
                6,
                "Fatal Python error",
            ),
            (
                "cython",
                "Cython 3.3.1",
                "nested_with_nogil",
                "compile_error",
                1,
                None,
                "Trying to release the GIL",
            ),
            ("numba", "Numba 0.68.1", "recursive_nogil_jit", "ok", 0, None, ""),
            ("control", "CPython 3.11", "os_abort", "fatal_error", -6, 6, ""),
        ],
        columns=[
            "backend",
            "toolchain",
            "case",
            "outcome",
            "returncode",
            "signal",
            "detail",
        ],
    )
    rows = claims.judge_safety(safety)
    got = {(r["backend"], r["context"]): r["verdict"] for r in rows}
    assert got == {
        ("cython", "Cython 0.29.37"): claims.REPRODUCED,
        ("cython", "Cython 3.3.1"): claims.NOT_REPRODUCED,
        ("numba", "Numba 0.68.1"): claims.REPRODUCED,
    }
    assert [r["verdict"] for r in claims.judge_safety(None)] == [claims.NOT_TESTED] * 2


def test_counts_include_zero_verdicts():
    table = pd.DataFrame({"verdict": [claims.REPRODUCED, claims.REPRODUCED, claims.NOT_TESTED]})
    assert claims.counts(table) == {
        claims.REPRODUCED: 2,
        claims.NOT_REPRODUCED: 0,
        claims.INCONCLUSIVE: 0,
        claims.NOT_TESTED: 1,
    }


def test_disturbed_cells_withhold_a_verdict_whatever_the_ci():
    timings, _ = simulate(backends=("numba",), scenarios=("gil", "gil+gil"), n_values=(10**9,))
    clean = claims.judge(timings).set_index(["claim", "backend"])
    assert clean.loc[(2, "numba"), "verdict"] == claims.REPRODUCED
    busy = claims.judge(timings, disturbed={("numba", "gil+gil", 10**9)}).set_index(["claim", "backend"])
    assert busy.loc[(2, "numba"), "verdict"] == claims.INCONCLUSIVE
    assert "would be reproduced, withheld: outside interference in numba gil+gil" in busy.loc[(2, "numba"), "detail"]
    # Cells the claim does not rest on do not matter.
    other = claims.judge(timings, disturbed={("numba", "gil+gil", 10**8)}).set_index(["claim", "backend"])
    assert other.loc[(2, "numba"), "verdict"] == claims.REPRODUCED
