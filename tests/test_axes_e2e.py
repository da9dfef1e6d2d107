"""Real snakemake with every backend, both executors, the safety experiment, another interpreter."""

import json

import pandas as pd
import pytest

from tests.conftest import ROOT, other_python, snakemake

BACKENDS = ["cython", "numba", "ctypes", "python"]


@pytest.mark.slow
def test_every_backend_both_executors_and_safety(project):
    result = snakemake(
        project,
        "--cores",
        "2",
        "--config",
        "n_values=[2000000]",
        "repetitions=1",
        f"backends=[{','.join(BACKENDS)}]",
        "executors=[threads,processes]",
        "scenarios=[nogil+gil]",
    )
    assert result.returncode == 0, result.stderr[-4000:]
    timings = pd.read_csv(project / "results" / "timings.csv", dtype={"result": str})
    assert set(zip(timings["backend"], timings["executor"], strict=True)) == {
        (b, e) for b in BACKENDS for e in ("threads", "processes")
    }
    assert timings["correct"].all()
    python_n = timings.loc[timings["backend"] == "python", "n"]
    assert (python_n == 20_000).all()  # n_scale: python runs 1/100 of n
    processes = timings[timings["executor"] == "processes"]
    # Start-up is timed: a fresh interpreter per token costs far more than 2e6 iterations.
    assert (processes["wall_s"] > 0.02).all()
    threads = pd.read_csv(project / "results" / "threads.csv")
    assert set(threads["executor"]) == {"threads", "processes"}
    assert len(threads) == 2 * len(timings)
    safety = pd.read_csv(project / "results" / "safety.csv")
    assert list(safety["backend"]) == ["cython", "numba", "ctypes"]
    assert (safety["outcome"] == "ok").all(), safety.to_string()
    record = json.loads((project / processes["trial_file"].iloc[0]).read_text())
    assert record["executor"] == "processes" and record["metadata"]["gil_reenabled_by_import"] is False


@pytest.mark.slow
def test_trials_under_another_interpreter(project):
    other = other_python()
    result = snakemake(
        project,
        "--cores",
        "2",
        "--config",
        "n_values=[2000000]",
        "repetitions=1",
        "backends=[cython,ctypes]",
        f"interpreters=[{other}]",
        "executors=[threads,processes]",
        "scenarios=[nogil+gil]",
        "safety_experiment=false",
    )
    assert result.returncode == 0, result.stderr[-4000:]
    timings = pd.read_csv(project / "results" / "timings.csv")
    version = other.split("/versions/")[1].split("/")[0]
    assert set(timings["python_version"]) == {version}
    assert set(timings["interpreter"]) == {f"cpython-{version}"}
    assert len(timings) == 4 and timings["correct"].all()
    manifest = json.loads(
        (project / "results" / "build" / f"cpython-{version}" / "cython" / "manifest.json").read_text()
    )
    assert manifest["python_version"] == version


def test_interpreter_missing_a_package_is_named_before_any_job():
    other = other_python()
    result = snakemake(ROOT, "--dry-run", "--cores", "1", "--config", f"interpreters=[{other}]", "backends=[numba]")
    error = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"interpreter {other}" in error and "lacks the package numba (for numba)" in error
    assert "Config error: Invalid config value 'interpreters'" in error
    assert "Traceback" not in error
    assert "Job stats" not in error


@pytest.mark.slow
def test_pinned_and_unpinned_cells_side_by_side(project):
    """pin_threads is an axis: one run measures both, at their own paths, and the report compares them."""
    result = snakemake(
        project,
        "--cores",
        "2",
        "--config",
        "n_values=[1000000]",
        "repetitions=2",
        "backends=[cython]",
        "scenarios=[gil,nogil+gil]",
        "pin_threads=[true,false]",
        "safety_experiment=false",
    )
    assert result.returncode == 0, result.stderr[-4000:]
    results = project / "results"
    timings = pd.read_csv(results / "timings.csv", dtype={"result": str})
    assert timings["correct"].all() and len(timings) == 2 * 2 * 2
    pinned = timings[timings["pinned"]]
    unpinned = timings[~timings["pinned"]]
    # The default point keeps the documented path; the other lives one level down, named by its axis.
    assert all(path.startswith("results/trials/cython/") for path in pinned["trial_file"])
    assert all(path.startswith("results/trials/threads-pin0/cpython-") for path in unpinned["trial_file"])
    for path in unpinned["trial_file"]:
        assert json.loads((project / path).read_text())["pin_threads"] is False
    summary = pd.read_csv(results / "summary.csv")
    assert sorted(summary["pinned"].tolist()) == [False, False, True, True]  # cells split, never pooled
    report = (results / "report.md").read_text()
    race = report[report.index("## Race outcome") :].split("\n## ")[0]
    assert "Pinned against unpinned runs:" in race
    table = race[race.index("Pinned against unpinned runs:") :]
    assert "| cython | nogil+gil | 1,000,000 | True |" in table
    assert "| cython | nogil+gil | 1,000,000 | False |" in table
    # Labels name the axis that varies, by its name; the constant ones are stated once.
    assert "pin_threads=false" in report and "calls_per_thread=1 /" not in report
    assert "Every cell of this run: executor=threads," in report
