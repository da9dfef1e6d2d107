"""Comparing runs (rtg/analysis/compare.py): verdicts, unmatched cells, what differs, which folders are refused."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtg.analysis import compare, stats


def _run(folder: str, cells: dict[tuple[str, str], float], processes: int = 5, runs: int = 20, seed: int = 0):
    """A run whose cells have the given median wall times (1 % noise between processes, 0.5 % within)."""
    rng = np.random.default_rng(seed)
    timings, run_rows = [], []
    for (backend, scenario), wall in cells.items():
        for rep in range(1, processes + 1):
            level = wall * (1 + rng.normal(0, 0.01))
            walls = level * (1 + rng.normal(0, 0.005, size=runs))
            timings.append({"backend": backend, "scenario": scenario, "n": 1000, "rep": rep, "executor": "threads",
                            "interpreter": "cpython-3.11.7", "wall_s": float(np.median(walls)), "correct": True,
                            "trial_file": f"results/trials/{backend}/{scenario}/n1000/rep{rep}.json"})  # fmt: skip
            run_rows += [{"backend": backend, "scenario": scenario, "n": 1000, "rep": rep, "executor": "threads",
                          "interpreter": "cpython-3.11.7", "run": i + 1, "wall_s": float(w)}
                         for i, w in enumerate(walls)]  # fmt: skip
    frame = stats.attach_runs(pd.DataFrame(timings), pd.DataFrame(run_rows))
    return compare.Run(Path(folder), frame, {})


def test_a_slower_cell_a_faster_cell_and_an_unchanged_one():
    before = _run("results-before", {("cython", "gil"): 0.010, ("numba", "gil"): 0.010, ("ctypes", "gil"): 0.010})
    now = _run("results", {("cython", "gil"): 0.030, ("numba", "gil"): 0.010, ("ctypes", "gil"): 0.007}, seed=1)
    table = compare.compare(now, [before], threshold=0.05)
    assert list(table.columns[:6]) == compare.COLUMNS[:6]
    table = table.set_index("backend")
    assert table.loc["cython", "verdict"] == "slower"
    assert table.loc["cython", "ratio"] == pytest.approx(3.0, rel=0.05)
    assert table.loc["numba", "verdict"] == "no significant change"
    assert table.loc["numba", "ratio_ci_low"] < 1 < table.loc["numba", "ratio_ci_high"]
    assert table.loc["ctypes", "verdict"] == "faster"
    assert (table["p_holm"] >= table["p_value"]).all()


def test_a_change_inside_the_threshold_is_no_significant_change():
    before = _run("b", {("cython", "gil"): 0.0100})
    now = _run("a", {("cython", "gil"): 0.0110}, seed=2)  # 10 % slower
    (row,) = compare.compare(now, [before], threshold=0.15).to_dict("records")
    assert row["ratio_ci_low"] > 1 and row["verdict"] == "no significant change"
    (row,) = compare.compare(now, [before], threshold=0.05).to_dict("records")
    assert row["verdict"] == "slower"


def test_cells_of_one_run_only_are_listed_never_dropped():
    before = _run("b", {("cython", "gil"): 0.01, ("python", "gil"): 0.5})
    now = _run("a", {("cython", "gil"): 0.01, ("numba", "gil"): 0.01}, seed=3)
    table = compare.compare(now, [before]).set_index("backend")
    assert table.loc["python", "verdict"] == "only in the earlier run"
    assert table.loc["numba", "verdict"] == "only in this run"
    assert table.loc["numba", "processes_now"] == 5 and table.loc["numba", "processes_earlier"] == 0
    assert pd.isna(table.loc["numba", "ratio"])


def test_verdict_needs_the_whole_interval_beyond_the_threshold():
    assert compare.verdict(1.06, 1.3, 0.05) == "slower"
    assert compare.verdict(1.04, 1.3, 0.05) == "no significant change"
    assert compare.verdict(0.7, 0.94, 0.05) == "faster"
    assert compare.verdict(float("nan"), float("nan"), 0.05) == "no significant change"


def test_differences_name_flags_packages_and_machines():
    def env(host, flags, cython):
        return {"hosts": [host], "metadata": {"host": host, "cpu_model": "EPYC", "logical_cpus": 2,
                "python_version": "3.11.7"}, "config": {"cython_cflags": flags},
                "manifests": {"cython": {"cflags": flags, "cython_version": cython, "source_sha256": "a"}}}  # fmt: skip

    diffs = compare.differences(env("vm", ["-O0"], "3.3.1"), env("vm", ["-O2"], "3.3.1"))
    assert {d["what"] for d in diffs} == {"config cython_cflags", "cython cflags"}
    assert {"what": "cython cflags", "earlier": "-O2", "now": "-O0"} in diffs
    assert not compare.cross_machine(diffs)
    diffs = compare.differences(env("laptop", ["-O2"], "3.3.1"), env("node7", ["-O2"], "3.2.0"))
    assert compare.cross_machine(diffs)
    assert {"what": "cython cython_version", "earlier": "3.2.0", "now": "3.3.1"} in diffs


def test_folders_that_are_not_earlier_results_are_named(tmp_path):
    assert compare.folder_problems(tmp_path / "nope") == [f"{tmp_path / 'nope'} is not a folder"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "is not a results folder: it has no timings.csv and no environment.json" in compare.folder_problems(empty)[0]
    old = tmp_path / "old"
    old.mkdir()
    (old / "timings.csv").write_text("backend,scenario,n,wall_s\ncython,gil,5,0.1\n")
    (old / "environment.json").write_text(json.dumps({}))
    (problem,) = compare.folder_problems(old)
    assert "written by an incompatible version: its timings.csv lacks rep, correct, trial_file" in problem
    results = tmp_path / "results"
    (results / "keep").mkdir(parents=True)
    assert "inside this run's own results folder" in compare.folder_problems(results / "keep", current=results)[0]


def test_a_run_from_before_the_call_pattern_axes_still_matches():
    before = _run("b", {("cython", "gil"): 0.01})
    before.timings = before.timings.drop(columns=["executor"])
    now = _run("a", {("cython", "gil"): 0.01}, seed=4)
    now.timings = now.timings.assign(calls_per_thread=1, switch_interval_ms=5.0)
    (row,) = compare.compare(now, [before]).to_dict("records")
    assert row["verdict"] == "no significant change" and row["calls_per_thread"] == 1
