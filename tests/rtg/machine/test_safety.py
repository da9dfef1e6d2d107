"""The nested-release safety experiment, run for real in contained subprocesses."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from rtg.machine import safety

CFLAGS = ["-O2"]


def test_deliberate_abort_is_a_contained_fatal_error(tmp_path):
    row = safety.run_case(safety.control_case(tmp_path))
    # We are still here: the crash stayed in the child.
    assert row["outcome"] == "fatal_error"
    assert row["signal"] == "SIGABRT"
    assert row["returncode"] == -6


def test_fatal_python_error_line_is_kept_in_detail(tmp_path):
    crash = "import ctypes; ctypes.pythonapi.Py_FatalError(b'boom from the test')"
    case = safety.Case("control", "CPython", "fatal", tmp_path, [safety.Step("run", [sys.executable, "-c", crash])])
    row = safety.run_case(case)
    assert row["outcome"] == "fatal_error"
    assert row["signal"] == "SIGABRT"
    assert "Fatal Python error" in row["detail"] and "boom from the test" in row["detail"]


def test_refused_source_is_a_compile_error_with_message(tmp_path):
    bad = tmp_path / "bad.pyx"
    bad.write_text("cdef int f(int n) nogil:\n    return len([n])\n")
    step = safety.Step("compile", [sys.executable, "-m", "cython", "-3", str(bad)])
    row = safety.run_case(safety.Case("cython", "t", "bad", tmp_path, [step]))
    assert row["outcome"] == "compile_error"
    assert row["returncode"] == 1
    assert "gil" in row["detail"].lower()


def test_runner_reporting_compile_error_exit_is_a_compile_error(tmp_path):
    code = "import sys; print('numba compile error: nope', file=sys.stderr); sys.exit(3)"
    step = safety.Step("run", [sys.executable, "-c", code])
    row = safety.run_case(safety.Case("numba", "t", "jit", tmp_path, [step]))
    assert (row["outcome"], row["detail"]) == ("compile_error", "numba compile error: nope")


def test_exception_is_an_error_and_hang_is_a_timeout(tmp_path):
    raising = safety.Step("run", [sys.executable, "-c", "raise SystemExit('bad')"])
    hanging = safety.Step("run", [sys.executable, "-c", "import time; time.sleep(30)"])
    error = safety.run_case(safety.Case("x", "t", "e", tmp_path, [raising]))
    timeout = safety.run_case(safety.Case("x", "t", "h", tmp_path, [hanging]), timeout=0.5)
    assert (error["outcome"], error["returncode"], error["detail"]) == ("error", 1, "bad")
    assert (timeout["outcome"], timeout["returncode"], timeout["signal"]) == ("timeout", "", "")


def test_later_steps_do_not_run_after_a_failure(tmp_path):
    marker = tmp_path / "ran"
    steps = [
        safety.Step("compile", [sys.executable, "-c", "raise SystemExit(1)"]),
        safety.Step("run", [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]),
    ]
    row = safety.run_case(safety.Case("x", "t", "c", tmp_path, steps))
    assert row["outcome"] == "compile_error"
    assert not marker.exists()


def test_real_cases_on_this_toolchain(tmp_path):
    """Cython 3.x, Numba and nested CDLL calls all survive nested releases here."""
    cases = safety.plan(tmp_path, ["cython", "numba", "ctypes", "python"], CFLAGS)
    rows = [safety.run_case(case, timeout=120) for case in cases]
    assert [row["backend"] for row in rows] == ["cython", "numba", "ctypes"]
    for row in rows:
        assert row["outcome"] == "ok", row
    assert rows[0]["toolchain"].startswith("Cython 3.")
    assert "two threads" in rows[1]["detail"] and "[20, 20]" in rows[2]["detail"]


@pytest.mark.slow
def test_cython_0_29_crashes_on_the_blog_example(tmp_path, monkeypatch):
    """The blog's crash is real on the Cython it used (installs 0.29.37 into a venv).

    Relative paths, as the Snakemake rule passes them.
    """
    monkeypatch.chdir(tmp_path)
    python = safety.venv_with_cython(Path("venv"), "0.29.37")
    (row,) = [safety.run_case(case, timeout=120) for case in safety.plan(Path("cases"), ["cython"], CFLAGS, [python])][
        1:
    ]
    assert row["toolchain"].startswith("Cython 0.29.37")
    assert (row["outcome"], row["signal"]) == ("fatal_error", "SIGABRT")
    assert "PyEval_SaveThread" in row["detail"]


def test_write_csv_has_the_contract_columns(tmp_path):
    rows = [safety.run_case(safety.control_case(tmp_path))]
    out = tmp_path / "deep" / "safety.csv"
    safety.write_csv(rows, out)
    with out.open() as handle:
        read = list(csv.DictReader(handle))
    assert list(read[0]) == list(safety.COLUMNS)
    assert read[0]["outcome"] == "fatal_error" and read[0]["signal"] == "SIGABRT"


def test_relative_root_still_builds(tmp_path, monkeypatch):
    """Snakemake passes relative paths; the steps run in their own cwd."""
    monkeypatch.chdir(tmp_path)
    (case,) = safety.plan(Path("results/safety"), ["ctypes"], CFLAGS)
    assert safety.run_case(case, timeout=120)["outcome"] == "ok"


def test_missing_program_is_an_error_row(tmp_path):
    step = safety.Step("run", [str(tmp_path / "no-such-python"), "-c", "pass"])
    row = safety.run_case(safety.Case("x", "t", "m", tmp_path, [step]))
    assert (row["outcome"], row["returncode"]) == ("error", 127)
    assert "no-such-python" in row["detail"]


def test_signal_name():
    assert safety.signal_name(-11) == "SIGSEGV"
    assert safety.signal_name(0) == safety.signal_name(None) == ""
    assert Path(safety.CASES_DIR, "cython_recurse.pyx").exists()
