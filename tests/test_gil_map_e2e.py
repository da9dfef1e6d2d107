"""Issue 25's done-when, end to end: examples/gil-map.yaml on the Python that runs snakemake and a free-threaded 3.13.

Real snakemake on a part of the gallery (hashlib's sha256 above and below its GIL threshold, NumPy's dot), with
thread_counts [auto], the heartbeat beside one call and the paired baseline, under two interpreters: the tables a
script reads, the report's sections and answer, and the refusal of a thread count above the usable CPUs.
"""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from tests.conftest import copy_project, snakemake
from tests.test_freethreading_e2e import built_python

pytestmark = pytest.mark.slow

GALLERY = "backends=[hashlib_sha256_1mib,hashlib_sha256_1kib,numpy_dot]"
RELEASE_COLUMNS = ["function", "interpreter", "gil_enabled", "ratio", "ratio_ci_low", "ratio_ci_high", "stall_share"]
SCALING_COLUMNS = ["function", "interpreter", "gil_enabled", "threads", "speedup", "speedup_ci_low", "speedup_ci_high"]


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("gil-map") / "project")
    free = built_python("--disable-gil")
    done = snakemake(
        project,
        "--cores", "2", "--configfile", "examples/gil-map.yaml",
        "--config", GALLERY, "repetitions=2", f"interpreters=[{sys.executable},{free}]",
        timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return project


def test_every_call_is_correct_and_each_pair_timed_its_own_baseline(mapped):
    timings = pd.read_csv(mapped / "results" / "timings.csv")
    assert timings["correct"].all()
    assert set(timings["scenario"]) == {"call", "call+call"}  # [auto] on 2 CPUs: 1 and 2 threads
    assert timings["interpreter"].nunique() == 2 and not timings["oversubscribed"].any()
    pairs = timings[timings["scenario"] == "call+call"]
    assert pairs["paired_ratio"].notna().all()
    for trial in (mapped / "results" / "trials").rglob("*.json"):
        record = json.loads(trial.read_text())
        # heartbeat: spare_cpu: beside one call (a CPU free for it), never beside a pair on 2 CPUs.
        assert record["heartbeat"] is (record["threads"] == 1)
        if record["threads"] == 1:
            assert 0 <= record["heartbeat_stall_share"] <= 1
            if record["metadata"]["gil_disabled_build"]:
                assert record["gil_contention"] is None  # no gilknocker on a free-threaded build


def test_which_calls_release_the_gil_is_a_table_a_script_can_read(mapped):
    table = pd.read_csv(mapped / "results" / "gil_release.csv")
    assert list(table.columns[:8]) == [*RELEASE_COLUMNS, "verdict"]
    assert set(table["function"]) == {"hashlib_sha256_1mib", "hashlib_sha256_1kib", "numpy_dot"}
    assert table["gil_enabled"].all() and len(table) == 3  # judged on the GIL build only
    assert set(table["verdict"]) <= {"releases", "holds", "partly", "unclear"}
    assert set(table["source_says"]) == {"releases", "holds"}
    stall = table.set_index("function")["stall_share"]
    # Beside a call that holds the GIL the heartbeat waits out most of it; beside one that releases it, little.
    assert stall["hashlib_sha256_1kib"] > stall["hashlib_sha256_1mib"] + 0.3
    assert stall["hashlib_sha256_1kib"] > stall["numpy_dot"] + 0.3


def test_thread_scaling_shows_both_builds_side_by_side(mapped):
    table = pd.read_csv(mapped / "results" / "scaling.csv")
    assert list(table.columns[:8]) == [*SCALING_COLUMNS, "efficiency"]
    assert set(table["threads"]) == {1, 2} and table["gil_disabled_build"].nunique() == 2
    one = table[table["threads"] == 1]
    assert (one["speedup"] == 1).all() and (one["efficiency"] == 1).all()
    two = table[table["threads"] == 2]
    assert two["speedup"].tolist() == pytest.approx((2 * two["efficiency"]).tolist())
    assert ((two["speedup_ci_low"] <= two["speedup"]) & (two["speedup"] <= two["speedup_ci_high"])).all()
    assert (mapped / "results" / "figures" / "thread_scaling.png").stat().st_size > 10_000


def test_the_report_answers_with_the_calls_first(mapped):
    report = (mapped / "results" / "report.md").read_text()
    answer = report.split("\n## ")[0]
    assert "this run measured calls that hold or release the GIL by themselves" in answer
    assert "The blog's claims were not tested" in answer
    assert report.index("## Which calls release the GIL") < report.index("## Thread scaling") < report.index("## Flags")


def test_a_thread_count_above_the_usable_cpus_is_refused_before_any_job_unless_asked_for(mapped):
    refused = snakemake(mapped, "-n", "--cores", "2", "--configfile", "examples/gil-map.yaml",
                        "--config", GALLERY, "thread_counts=[1,2,3]")  # fmt: skip
    assert refused.returncode != 0
    message = refused.stderr.strip().splitlines()[-1]
    assert message.startswith("Config error: Invalid config value 'thread_counts': T = 3 threads is more than the 2")
    asked = snakemake(mapped, "-n", "--cores", "2", "--configfile", "examples/gil-map.yaml",
                      "--config", GALLERY, "thread_counts=[1,2,3]", "oversubscribe=true")  # fmt: skip
    assert asked.returncode == 0, asked.stderr[-2000:]
    assert "call+call+call/n30/rep1.json" in asked.stdout + asked.stderr
