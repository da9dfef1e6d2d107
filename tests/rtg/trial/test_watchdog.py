"""The per-trial time limit, in real child processes (a watchdog's job is to end its process)."""

import signal
import subprocess
import sys
import time

import pytest

from rtg.trial import watchdog
from tests.conftest import ROOT


def test_auto_limit_grows_with_n_and_threads_and_is_generous():
    small = watchdog.limit_seconds("auto", 2_000_000, 1)
    assert small == pytest.approx(watchdog.MARGIN_S + 0.4)
    big = watchdog.limit_seconds(None, 1_000_000_000, 2)
    # 1e9 iterations x 2 threads take about 0.56 s compiled (shared notes): the limit is far above that
    assert big == pytest.approx(watchdog.MARGIN_S + 400)
    assert big > 100 * 0.56


@pytest.mark.parametrize("setting", [0, -1, "never", float("nan"), float("inf")])
def test_a_limit_must_be_a_positive_number_of_seconds(setting):
    with pytest.raises(ValueError):
        watchdog.limit_seconds(setting, 10, 1)


def test_cluster_runtime_is_whole_minutes_above_the_in_trial_limit():
    for limit in (1, 59.5, 125, 3600):
        minutes = watchdog.runtime_minutes(limit)
        assert isinstance(minutes, int)
        assert minutes * 60 >= limit + watchdog.GRACE_S + watchdog.CLUSTER_MARGIN_S


def run_guarded(tmp_path, body: str, limit: float, grace: float, after: str = "") -> tuple[int, str, float]:
    """Run ``body`` under ``guard`` in a fresh interpreter; return exit status, log text, seconds."""
    log = tmp_path / "job.log"
    lines = [
        "import sys, time",
        f"sys.path.insert(0, {str(ROOT)!r})",
        "from rtg.trial.watchdog import guard",
        f"with open({str(log)!r}, 'w', buffering=1) as log:",
        f"    with guard({limit}, log, 'test body', grace_s={grace}):",
        *[f"        {line}" for line in body.splitlines()],
        *[f"    {line}" for line in after.splitlines()],
    ]
    script = "\n".join(lines) + "\n"
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    return done.returncode, log.read_text(), time.monotonic() - start


def test_a_sleeping_body_is_stopped_at_the_limit_with_a_clear_message(tmp_path):
    status, log, seconds = run_guarded(tmp_path, "time.sleep(30)", limit=1.0, grace=5.0)
    assert status == watchdog.EXIT_CODE
    assert "TIME LIMIT EXCEEDED: test body ran longer than its limit of 1 s" in log
    assert "in <module>" in log  # the stacks show where it hung
    assert seconds < 20


def test_a_body_holding_the_gil_is_stopped_by_the_gil_free_backstop(tmp_path):
    # libc sleep() called through PyDLL keeps the GIL: no Python thread can run meanwhile
    body = "import ctypes\nctypes.PyDLL(None).sleep(30)"
    status, log, seconds = run_guarded(tmp_path, body, limit=1.0, grace=1.0)
    assert status == 1
    assert "Timeout (0:00:02)!" in log
    assert "means TIME LIMIT EXCEEDED" in log  # the header line explains the Timeout
    assert seconds < 20


def test_a_body_that_finishes_in_time_disarms_the_watchdog(tmp_path):
    # Past limit + grace after the body ended: a watchdog left armed would have fired by then.
    status, log, _ = run_guarded(tmp_path, "x = 1", limit=2, grace=1, after="time.sleep(4)\nprint('alive')")
    assert status == 0
    assert "TIME LIMIT EXCEEDED:" not in log
    assert "Timeout (0:" not in log


def test_a_segfault_under_guard_leaves_its_stack_in_the_log(tmp_path):
    status, log, _ = run_guarded(tmp_path, "import ctypes\nctypes.string_at(0)", limit=30, grace=1)
    assert status == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in log
