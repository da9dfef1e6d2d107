"""With and without the GIL: pairing interpreters, cells side by side, the single-thread cost, the claims and answer."""

from __future__ import annotations

import pandas as pd
import pytest

from rtg import report
from rtg.analysis import claims, freethreading, stats
from rtg.report import freethreading as section
from tests.rtg.synthetic import simulate

FREE, GIL = "cpython-3.13.5t", "cpython-3.13.5"
SCENARIOS = ("gil", "nogil", "gil+gil", "nogil+gil", "gil+nogil")
ENVIRONMENT = {
    "config": {"cython_cflags": ["-O2"]},
    "metadata": {"cpu_model": "Model CPU", "logical_cpus": 2},
    "not_available": [{"interpreter": FREE, "backend": "numba", "reason": "numba is not installed (cp313t)"}],
}


def grid(free_cost: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """cython and numba on a GIL build; cython alone (numba not available) on a free-threaded one."""
    on_gil = simulate(scenarios=SCENARIOS, n_values=(100_000_000,), extra_columns={"interpreter": GIL})
    on_free = simulate(
        backends=("cython",),
        scenarios=SCENARIOS,
        n_values=(100_000_000,),
        extra_columns={"interpreter": FREE},
        ns_per_iter={"cython": 0.28 * free_cost},
        gil=False,
        seed=2,
    )
    timings = pd.concat([on_gil[0], on_free[0]], ignore_index=True)
    threads = pd.concat([on_gil[1].assign(interpreter=GIL), on_free[1].assign(interpreter=FREE)], ignore_index=True)
    return timings, threads


@pytest.fixture(scope="module")
def parts():
    timings, threads = grid(free_cost=1.2)
    return timings, report.build(timings, threads, ENVIRONMENT)


def test_each_free_threaded_interpreter_pairs_with_the_same_version_when_there_is_one():
    table = pd.DataFrame(
        {
            "interpreter": ["cpython-3.11.7", "cpython-3.13.5", "cpython-3.13.5t", "cpython-3.14.0t"],
            "gil_disabled_build": [False, False, True, True],
        }
    )
    assert freethreading.free_threaded(table) == ["cpython-3.13.5t", "cpython-3.14.0t"]
    assert freethreading.with_gil(table) == ["cpython-3.11.7", "cpython-3.13.5"]
    assert freethreading.pairs(table) == [
        ("cpython-3.13.5t", "cpython-3.13.5", True),
        ("cpython-3.14.0t", "cpython-3.13.5", False),  # the closest version, flagged as not isolating the GIL
    ]
    assert freethreading.pairs(table[table["gil_disabled_build"]]) == []


def test_side_by_side_shows_the_same_cells_on_both_interpreters(parts):
    _, built = parts
    sides = freethreading.side_by_side(built["summary"], FREE, GIL).set_index("scenario")
    assert list(sides.index) == list(SCENARIOS)  # cython only: numba did not run on the free-threaded one
    assert sides.loc["gil+gil", "gil_ratio"] == pytest.approx(2.0, abs=0.1)
    assert sides.loc["gil+gil", "free_ratio"] == pytest.approx(1.0, abs=0.1)
    assert sides.loc["gil+nogil", "free_ratio"] == pytest.approx(1.0, abs=0.1)
    assert not sides["free_gil_enabled"].any()


def test_the_single_thread_cost_is_measured_per_backend_with_an_interval(parts):
    timings, _ = parts
    cost = freethreading.single_thread_cost(timings, FREE, GIL).set_index("backend")
    assert list(cost.index) == ["cython"]
    row = cost.loc["cython"]
    assert row["cost"] == pytest.approx(1.2, rel=0.05)
    assert row["cost_ci_low"] <= row["cost"] <= row["cost_ci_high"]
    assert row["free_ns"] == pytest.approx(1.2 * row["gil_ns"], rel=0.05)


def test_claims_need_a_gil_and_say_so_without_one(parts):
    _, built = parts
    table = built["claims"]
    two = table[(table["claim"] == 2) & (table["backend"] == "cython")].set_index("interpreter")
    assert two.loc[FREE, "verdict"] == claims.NOT_REPRODUCED
    assert two.loc[FREE, "detail"].startswith(claims.GIL_DISABLED)
    assert not two.loc[FREE, "gil_enabled"] and two.loc[GIL, "gil_enabled"]
    assert two.loc[GIL, "verdict"] == claims.REPRODUCED
    four = table[(table["claim"] == 4) & (table["backend"] == "cython")].set_index("interpreter")
    assert four.loc[FREE, "detail"].startswith(claims.GIL_DISABLED)
    three = table[(table["claim"] == 3) & (table["backend"] == "cython")].set_index("interpreter")
    assert not three.loc[FREE, "detail"].startswith(claims.GIL_DISABLED)  # holds with or without a GIL
    # numba could not run on the free-threaded interpreter: not tested, and why
    gap = table[(table["backend"] == "numba") & (table["interpreter"] == FREE) & (table["claim"] == 2)].iloc[0]
    assert gap["verdict"] == claims.NOT_TESTED
    assert gap["detail"] == f"not available on {FREE}: numba is not installed (cp313t)"


def test_the_answer_reads_a_free_threaded_run_as_such_never_as_a_busy_machine(parts):
    _, built = parts
    sentences = report.answer(built["summary"], built["claims"], built["flags"], built["order_tests"], "m")
    text = " ".join(sentences)
    assert "busy machine" not in text and "cannot say" not in text
    assert sentences[0].startswith("On m with the GIL (cpython-3.13.5), releasing the GIL bought true parallelism")
    ft = next(s for s in sentences if FREE in s)
    assert "there is no GIL to release" in ft and "not noise" in ft
    assert "as expected because the GIL was disabled" in sentences[-1]


def test_a_free_threaded_run_alone_gets_its_own_answer():
    timings, threads = simulate(
        backends=("cython",), scenarios=SCENARIOS, n_values=(100_000_000,), extra_columns={"interpreter": FREE},
        gil=False,
    )  # fmt: skip
    built = report.build(timings, threads, ENVIRONMENT)
    sentences = report.answer(built["summary"], built["claims"], built["flags"], built["order_tests"], "m")
    assert len(sentences) == 2
    assert "there is no GIL to release" in sentences[0] and "busy machine" not in " ".join(sentences)


def test_the_section_puts_the_answer_first_and_lists_what_was_not_available(parts):
    timings, built = parts
    from rtg.report.base import Inputs

    ctx = section.context(Inputs(built, {}, ENVIRONMENT, timings))
    assert ctx["freethreading_present"]
    [pair] = ctx["freethreading_pairs"]
    assert (pair["free"], pair["gil"]) == (FREE, GIL)
    assert pair["lines"][0].startswith(f"Two GIL-holding threads on {FREE} took cython 1.")
    assert "ran in parallel with no release at all" in pair["lines"][0]
    assert "single-thread cost of free-threading" in pair["lines"][1]
    assert pair["sides"]["data"] and pair["cost"]["data"]
    assert ctx["freethreading_unavailable"]["data"] == [[FREE, "numba", "numba is not installed (cp313t)"]]
    text = "\n".join(section.markdown(built, ctx))
    assert "## With and without the GIL" in text and "Not available" in text


def test_no_section_without_a_free_threaded_interpreter():
    timings, threads = simulate(scenarios=SCENARIOS, n_values=(100_000_000,))
    built = report.build(timings, threads, {})
    from rtg.report.base import Inputs

    assert section.context(Inputs(built, {}, {}, timings)) == {"freethreading_present": False}


def test_a_gil_switched_back_on_by_an_import_is_a_finding(parts):
    timings, built = parts
    timings = timings.copy()
    hit = (timings["interpreter"] == FREE) & (timings["backend"] == "cython")
    timings.loc[hit, ["gil_enabled", "gil_reenabled_by_import"]] = True
    found = freethreading.reenabled(timings)
    assert found.to_dict("records") == [{"interpreter": FREE, "backend": "cython", "trials": int(hit.sum())}]
    assert stats.gil_columns(timings[hit]) == {
        "gil_disabled_build": True,
        "gil_enabled": True,
        "gil_reenabled_by_import": True,
    }
    from rtg.report.base import Inputs

    ctx = section.context(Inputs(built, {}, ENVIRONMENT, timings))
    [line] = ctx["freethreading_reenabled"]
    assert "switched the GIL back on" in line and "freethreading_compatible" in line


def test_the_contention_finding_is_explained_and_its_test_reported():
    rows = []
    for backend, ratio in (("python", 2.5), ("python_private", 1.02)):
        rows.append(
            {
                "interpreter": FREE, "backend": backend, "scenario": "gil+gil", "n": 1_000_000, "ratio": ratio,
                "ratio_ci_low": ratio - 0.05, "ratio_ci_high": ratio + 0.05, "overlap_fraction_median": 0.96,
            }
        )  # fmt: skip
    lines = section.contention_lines(pd.DataFrame(rows), FREE)
    assert "slower than running the two calls one after the other" in lines[0]
    assert lines[1] == section.CONTENTION_WHY
    assert "python_private" in lines[2] and "1.02×" in lines[2]
    alone = section.contention_lines(pd.DataFrame(rows[:1]), FREE)
    assert "Add the backend python_private" in alone[-1]
    assert section.contention_lines(pd.DataFrame(rows[1:]), FREE) == []


def test_a_free_threaded_pair_slowed_by_interference_is_blamed_on_the_machine_only_when_flagged():
    from rtg.report.answer import without_gil

    row = {"interpreter": FREE, "backend": "cython", "scenario": "gil+gil", "n": 100_000_000, "ratio": 1.7,
           "ratio_ci_low": 1.6, "ratio_ci_high": 1.8}  # fmt: skip
    summary = pd.DataFrame([row])
    [flagged] = without_gil(summary, "m", {("cython", "gil+gil", 100_000_000)})
    assert "cython stayed disturbed by interference" in flagged and "not the interpreter" in flagged
    [unflagged] = without_gil(summary, "m", set())
    assert "something other than a GIL kept them from running fully in parallel" in unflagged
    assert "busy machine" not in unflagged
