"""What bounds a kernel: bytes per second against the copy bandwidth, and the report's sentence about it."""

from __future__ import annotations

import pytest

from rtg import report
from rtg.analysis import memory
from rtg.machine import bandwidth
from rtg.report import kernels as section
from rtg.report.base import Inputs
from tests.rtg.synthetic import simulate

N = 1 << 25
FACTS = {
    "stream": {"backend": "stream", "builtin": False, "file": "/x/stream.py", "check": "reference",
               "bytes_per_iteration": 8},
    "cython": {"backend": "cython", "builtin": True, "file": "kernels/cython_backend.py", "check": "fibonacci",
               "bytes_per_iteration": None},
}  # fmt: skip
#: A machine that reads 20 GB/s with one thread and 25 GB/s with two (and copies faster).
BANDWIDTH = {
    "read": {"one_thread": {"bytes_per_s": 20e9}, "two_threads": {"bytes_per_s": 25e9}},
    "copy": {"one_thread": {"bytes_per_s": 30e9}, "two_threads": {"bytes_per_s": 40e9}},
    "method": "m",
}


@pytest.fixture(scope="module")
def built():
    timings, threads = simulate(
        backends=("stream", "cython"), scenarios=("gil", "nogil", "nogil+nogil"), n_values=(N,),
        ns_per_iter={"stream": 0.5},
    )  # fmt: skip
    return timings, report.build(timings, threads, {"kernels": FACTS})


def test_bytes_per_second_follow_from_the_declared_traffic_and_the_wall_time(built):
    _, parts = built
    table = memory.memory_table(parts["summary"], FACTS, BANDWIDTH)
    [row] = table.to_dict("records")  # cython declares no traffic: not a row
    summary = parts["summary"].set_index(["backend", "scenario"])
    assert row["one_thread_bytes_per_s"] == pytest.approx(N * 8 / summary.loc[("stream", "nogil"), "wall_median"])
    assert row["two_threads_bytes_per_s"] == pytest.approx(
        2 * N * 8 / summary.loc[("stream", "nogil+nogil"), "wall_median"]
    )
    assert row["used_by_one"] == pytest.approx(row["one_thread_bytes_per_s"] / 25e9)
    assert row["register_bound_backend"] == "cython"
    assert row["register_bound_ratio"] == pytest.approx(summary.loc[("cython", "nogil+nogil"), "ratio"])


def test_the_section_says_what_a_second_thread_gained_and_why(built):
    timings, parts = built
    ctx = section.context(Inputs({**parts, "bandwidth": BANDWIDTH}, {}, {"kernels": FACTS}, timings))
    [line] = ctx["kernels_lines"]
    assert line.startswith("stream: two threads got ")
    assert "of the memory bandwidth two threads can read on this machine (25.0 GB/s" in line
    assert "The register-bound Fibonacci loop (cython) gained" in line
    assert ctx["kernels_own"]["data"] == [["stream", "/x/stream.py", section.CHECKS["reference"], 8]]
    assert "## Your own kernels" in "\n".join(section.markdown(parts, ctx))


def test_no_section_for_built_in_register_bound_kernels_only(built):
    timings, parts = built
    facts = {"cython": FACTS["cython"]}
    assert section.context(Inputs(parts, {}, {"kernels": facts}, timings)) == {"kernels_present": False}


@pytest.mark.parametrize("pattern", bandwidth.PATTERNS)
def test_the_bandwidth_is_measured_and_checked_for_one_and_two_threads(pattern):
    found = bandwidth.measure(size_bytes=8 << 20, repeats=2)[pattern]
    assert found["one_thread"]["threads"] == 1 and len(found["one_thread"]["runs_bytes_per_s"]) == 2
    assert found["one_thread"]["bytes_per_s"] > 0
    two = found["two_threads"]  # this kind of machine has 2 CPUs
    assert len(set(two["cpus"])) == 2 and two["bytes_per_s"] > 0  # each thread on its own CPU
