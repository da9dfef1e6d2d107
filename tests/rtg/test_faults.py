"""Test-only fault injection: selection by trial key, and the faults are real."""

import signal
import subprocess
import sys
import textwrap

import pytest

from rtg import faults
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
        from rtg import faults
        faults.inject({fault!r}, lambda: None)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == status
    assert f"TEST FAULT '{fault}'" in done.stdout
