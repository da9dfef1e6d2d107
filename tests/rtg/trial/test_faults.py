"""Test-only fault injection: selection by trial key, and the faults are real."""

import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rtg.trial import faults
from tests.conftest import ROOT


def test_no_environment_variable_means_no_fault():
    assert faults.requested("cython/gil/n10/rep1", environ={}) is None


def test_patterns_select_trials_by_key():
    env = {faults.ENV: "hang:cython/nogil/*, abort:*/gil+gil/n10/rep2"}
    assert faults.requested("cython/nogil/n10/rep1", env) == "hang"
    assert faults.requested("numba/gil+gil/n10/rep2", env) == "abort"
    assert faults.requested("numba/gil+gil/n10/rep1", env) is None
    assert faults.requested("numba/nogil/n10/rep1", env) is None


@pytest.mark.parametrize("spec", ["explode:*", "hang", "hang:", ":*"])
def test_a_malformed_request_is_an_error_not_ignored(spec):
    with pytest.raises(ValueError, match=faults.ENV):
        faults.requested("cython/gil/n10/rep1", {faults.ENV: spec})


@pytest.mark.parametrize(("fault", "status"), [("abort", -signal.SIGABRT), ("segfault", -signal.SIGSEGV)])
def test_crash_faults_really_kill_the_process(fault, status):
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from rtg.trial import faults
        faults.inject({fault!r}, lambda: None)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == status
    assert f"TEST FAULT '{fault}'" in done.stdout


def test_a_held_trial_waits_at_the_gate_until_released(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from rtg.trial import faults
        faults.hold("cython/gil/n10/rep1", {{faults.GATE_ENV: {str(tmp_path)!r}}})
        print("released")
        """
    )
    held, go = faults.gate_files("cython/gil/n10/rep1", tmp_path)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not held.exists():
            assert child.poll() is None, "the held process ended before it reached the gate"
            assert time.monotonic() < deadline, "the held process never reached the gate"
            time.sleep(0.01)
        assert child.poll() is None  # it waits: nothing but the go file releases it
        go.touch()
        out, _ = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0
    assert "released" in out


def test_holding_without_a_gate_folder_is_an_error():
    with pytest.raises(ValueError, match=faults.GATE_ENV):
        faults.hold("cython/gil/n10/rep1", environ={})
