"""The quiet gate on the real machine: its bounds and what it reports, never whether the machine was calm."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from rtg.trial import quiet


def test_a_limit_of_zero_is_no_gate():
    start = time.monotonic()
    gate = quiet.wait_for_calm(0.0)
    assert time.monotonic() - start < quiet.WINDOW_S  # not one window was looked at
    assert (gate.waited_s, gate.windows, gate.calm) == (0.0, 0, True)
    assert gate.steal_share is None and gate.others_share is None
    assert gate.judged_others is True
    assert quiet.wait_for_calm(-1.0, judge_others=False).judged_others is False


@pytest.mark.parametrize("judge_others", [True, False])
def test_a_small_limit_returns_within_the_limit_and_one_window(judge_others):
    limit, window = 0.3, 0.05
    start = time.monotonic()
    gate = quiet.wait_for_calm(limit, judge_others=judge_others, window_s=window)
    elapsed = time.monotonic() - start
    assert gate.windows >= 1
    assert window * gate.windows <= gate.waited_s + 1e-3  # it slept at least each window it counted
    assert gate.waited_s <= elapsed
    # Whatever the machine did: it stops at the first calm window or the first one past the limit.
    assert gate.calm or gate.waited_s >= limit
    assert gate.windows <= limit / window + 1
    assert gate.judged_others is judge_others
    for share in (gate.steal_share, gate.others_share):
        assert share is not None and share >= 0
    assert gate.steal_s >= 0 and gate.others_cpu_s >= 0
    if gate.calm:  # the verdict follows from its own numbers
        assert gate.steal_share <= quiet.MAX_STEAL_SHARE
        assert not judge_others or gate.others_share <= quiet.MAX_OTHERS_SHARE


@pytest.fixture
def busy_everywhere():
    """A real busy process on every CPU this process may use, each running before the fixture yields."""
    cpus = sorted(os.sched_getaffinity(0))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import os; os.sched_setaffinity(0, {{{cpu}}}); print(1, flush=True)\nwhile True: pass",
            ],
            stdout=subprocess.PIPE,
        )
        for cpu in cpus
    ]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == b"1"  # it is in its loop
        yield cpus
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_the_gate_stops_at_its_bound_beside_busy_programs(busy_everywhere):
    limit, window = 0.3, 0.05
    gate = quiet.wait_for_calm(limit, judge_others=True, window_s=window)
    assert gate.calm is False
    assert gate.waited_s >= limit
    assert gate.windows >= 2
    assert gate.others_share > quiet.MAX_OTHERS_SHARE
    assert gate.others_cpu_s > 0


def test_under_isolate_trials_false_other_programs_do_not_hold_the_gate(busy_everywhere):
    # The pipeline's own jobs are busy on purpose then: only steal may keep the gate waiting.
    gate = quiet.wait_for_calm(0.3, judge_others=False, window_s=0.05)
    assert gate.judged_others is False
    assert gate.calm is (gate.steal_share <= quiet.MAX_STEAL_SHARE)


def test_the_record_is_plain_json_with_the_schemas_required_keys():
    record = quiet.wait_for_calm(0.05, window_s=0.05).as_record()
    assert {"waited_s", "windows", "calm"} <= set(record)
    assert set(record) == {
        "waited_s", "windows", "calm", "steal_share", "others_share", "steal_s", "others_cpu_s", "judged_others"
    }  # fmt: skip
