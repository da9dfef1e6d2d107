"""write_atomically under kill -9: the trial file is always absent or whole, never half written."""

import json
import random
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT

WRITER = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from rtg.core.records import write_atomically
i = 0
while True:
    i += 1
    write_atomically(Path({target!r}), {{"i": i, "values": [str(i)] * 200_000}})
"""


def _wait_for_a_write(target, writer, timeout=120.0):
    """Until the writer has renamed a new file onto ``target`` (its first write of this round)."""
    before = target.stat().st_ino if target.exists() else None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert writer.poll() is None, "the writer died on its own"
        if target.exists() and target.stat().st_ino != before:
            return
        time.sleep(0.005)
    raise AssertionError(f"no write within {timeout} s")


def test_kill_9_during_writes_never_leaves_a_partial_trial_file(tmp_path):
    target = tmp_path / "rep1.json"
    rng = random.Random(6)
    seen_writes = 0
    for _ in range(8):
        writer = subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), target=str(target))])
        _wait_for_a_write(target, writer)  # a condition, not a guessed start-up time
        time.sleep(rng.random() * 0.2)  # then land anywhere in a later write: each takes tens of ms
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
        if target.exists():
            record = json.loads(target.read_text())  # whole JSON or this raises
            assert record["values"] == [str(record["i"])] * 200_000
            seen_writes = max(seen_writes, record["i"])
    assert seen_writes > 0, "the writer never completed a write: the test proved nothing"
    # at most leftovers of the killed writers, all hidden temporary siblings, none at the trial path
    assert all(p.name.startswith(".rep1.json.tmp-") for p in tmp_path.iterdir() if p != target)
