"""Real snakemake on a tiny grid in a copy of the project."""

import json

import pandas as pd
import pytest

from tests.conftest import snakemake

pytestmark = pytest.mark.slow

BACKENDS = ["cython", "numba"]
SCENARIOS = ["gil", "nogil", "gil+gil", "nogil+gil", "gil+nogil", "nogil+nogil"]


def test_tiny_grid_runs_end_to_end(tiny_run):
    workdir, result = tiny_run
    assert result.returncode == 0, result.stderr[-4000:]
    timings = pd.read_csv(workdir / "results" / "timings.csv", dtype={"result": str})
    assert len(timings) == len(BACKENDS) * len(SCENARIOS) * 2
    keys = timings[["backend", "scenario", "n", "rep"]].apply(tuple, axis=1)
    assert keys.is_unique
    expected = {(b, s, 2000000, r) for b in BACKENDS for s in SCENARIOS for r in (1, 2)}
    assert set(keys) == expected
    assert timings["correct"].all()
    assert (timings["result"] == "17141820111795327685").all()
    assert (timings["wall_s"] > 0).all()
    for path in timings["trial_file"]:
        record = json.loads((workdir / path).read_text())
        assert record["correct"] is True
        assert record["metadata"]["build_manifest_sha256"]


def test_trials_never_overlapped(tiny_run):
    workdir, result = tiny_run
    assert result.returncode == 0
    timings = pd.read_csv(workdir / "results" / "timings.csv").sort_values("started_at")
    assert (timings["started_at"].iloc[1:].to_numpy() >= timings["ended_at"].iloc[:-1].to_numpy()).all()


def test_threads_table_has_one_row_per_thread(tiny_run):
    workdir, _ = tiny_run
    timings = pd.read_csv(workdir / "results" / "timings.csv")
    threads = pd.read_csv(workdir / "results" / "threads.csv")
    assert len(threads) == timings["threads"].sum()
    assert (threads["end_ns"] >= threads["start_ns"]).all()


def test_build_manifest_and_nothing_built_in_the_source_tree(tiny_run):
    workdir, _ = tiny_run
    manifest = json.loads((workdir / "results" / "build" / "cython" / "manifest.json").read_text())
    assert manifest["cflags"] == ["-O2", "-funroll-loops"]
    assert manifest["cython_version"].startswith("3.")
    assert not list((workdir / "kernels").glob("*.so"))
    assert not list((workdir / "kernels").glob("*.c"))
    assert (workdir / "results" / "build" / "numba" / "cache").is_dir()


def test_rerun_is_a_no_op_and_flags_change_rebuilds_only_cython(tiny_run):
    workdir, _ = tiny_run
    same = snakemake(workdir, "--dry-run", "--cores", "2", "--config", "n_values=[2000000]", "repetitions=2")
    assert same.returncode == 0, same.stderr
    assert "Nothing to be done" in same.stdout + same.stderr
    changed = snakemake(
        workdir,
        "--dry-run",
        "--cores",
        "2",
        "--config",
        "n_values=[2000000]",
        "repetitions=2",
        "cython_cflags=[-O3,-funroll-loops]",
    )
    assert changed.returncode == 0, changed.stderr
    stats = job_counts(changed.stdout)
    assert stats["build"] == 1
    assert stats["trial"] == len(SCENARIOS) * 2  # only the Cython trials


def job_counts(dry_run_output: str) -> dict[str, int]:
    """Parse snakemake's 'Job stats' table."""
    counts = {}
    lines = dry_run_output.split("Job stats:", 1)[1].splitlines()[3:]
    for line in lines:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts
