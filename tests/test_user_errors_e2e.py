"""Errors a user causes inside a job: one message naming what to change, never a Python traceback.

Each case is real: a flag the compiler refuses, a .pyx that does not
translate, and a kernel edited so that it returns a wrong value (only for
large n, so the warm-up passes and the trial's own check must catch it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import snakemake

pytestmark = pytest.mark.slow

GRID = ["scenarios=[gil]", "n_values=[2000000]", "repetitions=1", "safety_experiment=false"]


def run_failing(project: Path, *config: str) -> str:
    result = snakemake(project, "--cores", "2", "--config", *GRID, *config)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "Traceback" not in output, output[-5000:]
    assert not (project / "results" / "timings.csv").exists()
    return output


def test_a_flag_the_compiler_refuses_names_cython_cflags(project):
    output = run_failing(project, "backends=[ctypes]", "cython_cflags=[-O2,-fno-such-flag-xyz]")
    assert (
        "Error: the C compiler failed to build libfib.so (exit 1) with cython_cflags ['-O2', '-fno-such-flag-xyz']"
        in output
    )
    assert "Check cython_cflags in config.yaml" in output
    log = (project / "results" / "logs" / "build" / "ctypes.log").read_text()
    assert "-fno-such-flag-xyz" in log and "Traceback" not in log


def test_a_pyx_that_does_not_translate_names_the_source(project):
    pyx = project / "kernels" / "fib_cython.pyx"
    pyx.write_text(pyx.read_text() + "\ndef broken(:\n    pass\n")
    output = run_failing(project, "backends=[cython]")
    assert "could not translate fib_cython.pyx (1 error(s), shown above): fix the .pyx" in output
    log = (project / "results" / "logs" / "build" / "cython.log").read_text()
    assert "Error compiling Cython file" in log  # Cython's own message, with line and column


def test_a_kernel_that_returns_a_wrong_value_fails_its_trial_naming_the_kernel(project):
    source = project / "kernels" / "fib.c"
    text = source.read_text()
    assert "        c = a + b;\n" in text
    source.write_text(text.replace("        c = a + b;\n", "        c = a + b;\n        if (i == 1500000) c += 1;\n"))
    output = run_failing(project, "backends=[ctypes]")
    assert "Error: ctypes gil n=2000000 rep=1: expected F(n) mod 2^64 = 17141820111795327685" in output
    assert "The kernel computes a wrong value: check its source under kernels/" in output
    log = (project / "results" / "logs" / "trials" / "ctypes" / "gil" / "n2000000" / "rep1.log").read_text()
    assert "thread 0 (gil) returned" in log and "Traceback" not in log
    assert not (project / "results" / "trials" / "ctypes" / "gil" / "n2000000" / "rep1.json").exists()
