"""The heartbeat's stalls (rtg/trial/heartbeat.py): the arithmetic, and real stalls beside real kernels."""

import json
import math
import subprocess
import sys

import pytest

from rtg.trial import heartbeat
from tests.conftest import ROOT


def test_stalls_are_gaps_beyond_the_sleep_within_the_region():
    ms = 1_000_000
    wakes = [0, 1 * ms, 2 * ms, 12 * ms, 13 * ms, 50 * ms]
    found = heartbeat.stalls(wakes, start_ns=1 * ms, end_ns=12_500_000)
    assert found["heartbeat_max_stall_s"] == pytest.approx(0.009)  # 2 -> 12 ms: 10 ms gap, 9 ms beyond the sleep
    # a gap that overlaps the region's end counts too: the thread could not run until 50 ms
    found = heartbeat.stalls(wakes, start_ns=1 * ms, end_ns=14 * ms)
    assert found["heartbeat_max_stall_s"] == pytest.approx(0.036)
    assert math.isnan(heartbeat.stalls([0], 0, 10)["heartbeat_max_stall_s"])  # one wake-up: no gap to judge


def test_the_stall_share_is_the_part_of_the_region_spent_in_stalls():
    ms = 1_000_000
    # Regular 1 ms beats, then a 10 ms gap (9 ms stalled), then beats again: 9 of the 20 ms region stalled.
    wakes = [0, 1 * ms, 2 * ms, 12 * ms, 13 * ms, 14 * ms, 15 * ms, 16 * ms, 17 * ms, 18 * ms, 19 * ms, 20 * ms]
    assert heartbeat.stalls(wakes, 0, 20 * ms)["heartbeat_stall_share"] == pytest.approx(9 / 20)
    # Clipped to the region: only 4 of the stalled 9 ms (from 2 to 11 ms) lie in [7, 17] ms.
    assert heartbeat.stalls(wakes, 7 * ms, 17 * ms)["heartbeat_stall_share"] == pytest.approx(4 / 10)
    beating = list(range(0, 21 * ms, ms))
    assert heartbeat.stalls(beating, 0, 20 * ms)["heartbeat_stall_share"] == 0
    assert math.isnan(heartbeat.stalls([0], 0, 10)["heartbeat_stall_share"])


TRIAL = """
import json, os, sys
sys.path.insert(0, {root!r})
from pathlib import Path
import kernels
from rtg.core.scenarios import parse
from rtg.trial.run import TrialPlan, run_trial
build = Path({build!r})
kernels.load("cython").build(build, ["-O2", "-funroll-loops"])
out = {{}}
for scenario in ("gil", "nogil"):
    plan = TrialPlan("cython", parse(scenario), 100_000_000, 1, heartbeat=True, inner_repetitions=2)
    r = run_trial(plan, build, {{}})
    out[scenario] = {{k: r[k] for k in ("wall_s", "heartbeat_max_stall_s", "heartbeat_p99_stall_s", "gil_contention",
                                      "heartbeat_stall_share",
                                      "correct")}}
print(json.dumps(out), flush=True)
os._exit(0)  # gilknocker's native thread must not meet interpreter teardown
"""


def test_a_gil_holding_call_stalls_the_heartbeat_and_a_releasing_one_does_not(tmp_path):
    # In a child process: the heartbeat and gilknocker run only in trial processes, which end with os._exit.
    done = subprocess.run([sys.executable, "-c", TRIAL.format(root=str(ROOT), build=str(tmp_path))],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    gil, nogil = found["gil"], found["nogil"]
    assert gil["correct"] and nogil["correct"]
    # A 25 ms call that holds the GIL: the heartbeat cannot run for (nearly) all of it.
    assert gil["heartbeat_max_stall_s"] >= 0.8 * gil["wall_s"]
    assert nogil["heartbeat_max_stall_s"] < 0.5 * nogil["wall_s"]
    assert gil["gil_contention"] > nogil["gil_contention"]
    assert gil["heartbeat_p99_stall_s"] <= gil["heartbeat_max_stall_s"]
    assert gil["heartbeat_stall_share"] >= 0.8 > 0.5 > nogil["heartbeat_stall_share"]


@pytest.mark.parametrize(
    ("setting", "threads", "cpus", "runs"),
    [
        (True, 2, 2, True),
        (False, 1, 2, False),
        ("spare_cpu", 1, 2, True),  # one call beside it: a CPU each
        ("spare_cpu", 2, 2, False),  # a pair on 2 CPUs: it would take their time
        ("spare_cpu", 3, 4, True),
    ],
)
def test_spare_cpu_runs_the_heartbeat_only_where_the_workers_leave_a_cpu_free(setting, threads, cpus, runs):
    assert heartbeat.runs_beside(setting, threads, cpus) is runs


@pytest.mark.parametrize(
    ("setting", "threads", "usable", "cpus"),
    [
        ("spare_cpu", 1, 2, 2),  # one call and the heartbeat beside it: a CPU each, asked of Slurm too
        ("spare_cpu", 2, 2, 2),  # no CPU left for it: the pair alone, and the heartbeat does not run
        ("spare_cpu", 1, None, 1),  # the usable CPUs unknown: nothing more asked
        (True, 1, 4, 1),  # true: the heartbeat runs wherever Linux puts it, as before
        (False, 3, 4, 3),
    ],
)
def test_spare_cpu_asks_the_scheduler_for_the_heartbeats_cpu_where_it_fits(setting, threads, usable, cpus):
    assert heartbeat.cpus_to_ask(setting, threads, usable) == cpus
