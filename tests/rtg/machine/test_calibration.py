"""The add-chain clock probe really compiles and runs; cycles/iteration maths on known input."""

import platform
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import kernels
from kernels import _toolchain
from rtg.analysis import cycles
from rtg.machine import calibration


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("calibrate") / "libcalibrate.so"
    manifest = calibration.build(output)
    assert manifest["cflags"] == ["-O2"]
    assert manifest["artifact_sha256"] and manifest["source_sha256"]
    return output


def test_clock_is_plausible(library):
    result = calibration.measure(library, cpus=calibration.metadata.affinity()[:1], target_s=0.01, samples=5)
    assert 0.5e9 < result["clock_hz"] < 6e9, result
    (cpu,) = result["per_cpu"].values()
    assert len(cpu["samples_s"]) == 5
    assert cpu["clock_hz"] >= cpu["clock_hz_median"]
    assert len(cpu["samples_cpu_s"]) == 5 and 0.5e9 < cpu["clock_hz_wall"] < 6e9


def test_chain_returns_the_checked_sum_and_scales_with_length(library):
    chain = calibration.AddChain(library)
    assert chain.adds_per_block == 64
    pairs = [(chain.run(1 << 16), chain.run(1 << 18)) for _ in range(9)]  # interleaved: same conditions
    short, long = min(p[0] for p in pairs), min(p[1] for p in pairs)
    # 4x the adds: about 4x the time if nothing was folded (generous: shared machine).
    assert 2.0 < long / short < 8.0, pairs


@pytest.mark.skipif(platform.machine() != "x86_64", reason="inspects x86-64 assembly")
def test_compiler_keeps_every_add_in_the_chain():
    cc = _toolchain.c_compiler()
    asm = subprocess.run(
        [*cc, *calibration.CFLAGS, "-S", "-o", "-", str(calibration.SOURCE)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    adds = [line for line in asm.splitlines() if line.strip().startswith("addq\t%r")]
    assert len(adds) >= 64, asm
    assert "imul" not in asm  # not folded into a multiply


def timings(rows):
    return pd.DataFrame(rows, columns=["backend", "scenario", "threads", "n", "rep", "wall_s"])


N = 1_000_000_002  # n - 2 = 1e9 iterations


def test_cycles_per_iteration_uses_single_thread_trials():
    frame = timings(
        [
            ["numba", "gil", 1, N, 1, 0.25],
            ["numba", "gil", 1, N, 2, 0.30],
            ["numba", "gil", 1, N, 3, 0.26],
            ["numba", "gil+gil", 2, N, 1, 0.50],
        ]
    )
    table = cycles.cycles_per_iteration(frame, clock_hz=4e9)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["trials"] == 3
    assert row["cycles_per_iteration"] == pytest.approx(1.0)
    assert row["cycles_per_iteration_median"] == pytest.approx(1.04)
    assert row["ns_per_iteration"] == pytest.approx(0.25)


def test_flag_slow_flags_only_native_kernels_above_threshold_at_large_n():
    frame = timings(
        [
            ["cython", "gil", 1, N, 1, 0.25],
            ["cython", "nogil", 1, N, 1, 0.525],  # 2.1 cycles: the misaligned loop
            ["numba", "nogil", 1, N, 1, 0.27],  # 1.08: within the threshold
            ["python", "gil", 1, N, 1, 60.0],  # interpreted: never flagged
            ["cython", "nogil", 1, 2_000_002, 1, 0.001],  # start-up dominated: never flagged
        ]
    )
    table = cycles.flag_slow(frame, clock_hz=4e9)
    flagged = table[table["flagged"]]
    assert list(zip(flagged["backend"], flagged["scenario"], flagged["n"], strict=True)) == [("cython", "nogil", N)]
    assert flagged["cycles_per_iteration"].iloc[0] == pytest.approx(2.1)
    (sentence,) = cycles.describe_flags(table)
    assert "cython nogil" in sentence and "2.10" in sentence


def test_only_built_in_loops_of_native_code_are_held_to_the_hardware_limit():
    facts = {backend: kernels.facts(backend) for backend in kernels.BACKENDS}
    assert cycles.native_backends(facts) == ["cython", "numba", "ctypes"]


def test_flag_slow_native_override_and_empty_input():
    frame = timings([["python", "gil", 1, N, 1, 60.0]])
    assert cycles.flag_slow(frame, 4e9, native={"python"})["flagged"].all()
    empty = cycles.cycles_per_iteration(timings([["numba", "gil+gil", 2, N, 1, 0.5]]), 4e9)
    assert empty.empty and "cycles_per_iteration" in empty.columns
    with pytest.raises(ValueError, match="positive"):
        cycles.cycles_per_iteration(frame, 0)


def test_cpu_time_judges_the_loop_not_the_time_slicing():
    frame = pd.DataFrame(
        [
            # wall 2.1 cycles but CPU 1.0: descheduled by other work, the loop itself is fine
            ["numba", "gil", 1, N, 1, 0.525, 0.25, 3.9],
            # CPU time 2.1 cycles as well: the loop really is slow
            ["cython", "nogil", 1, N, 1, 0.53, 0.525, 0.2],
        ],
        columns=["backend", "scenario", "threads", "n", "rep", "wall_s", "cpu_s", "loadavg_before"],
    )
    table = cycles.flag_slow(frame, clock_hz=4e9).set_index("backend")
    assert table.loc["numba", "cycles_per_iteration"] == pytest.approx(2.1)
    assert table.loc["numba", "cycles_per_iteration_cpu"] == pytest.approx(1.0)
    assert not table.loc["numba", "flagged"]
    assert table.loc["cython", "flagged"]
    assert table.loc["numba", "loadavg_max"] == pytest.approx(3.9)
    (sentence,) = cycles.describe_flags(table.reset_index())
    assert sentence.startswith("cython nogil") and "2.10" in sentence


def test_axes_columns_keep_grid_points_apart():
    frame = pd.DataFrame(
        [
            ["cython", "threads", "py-3.11", "gil", 1, N, 1, 0.25, 0.25],
            ["cython", "processes", "py-3.11", "gil", 1, N, 1, 0.5, 0.5],
        ],
        columns=["backend", "executor", "interpreter", "scenario", "threads", "n", "rep", "wall_s", "cpu_s"],
    )
    table = cycles.flag_slow(frame, clock_hz=4e9)
    assert list(table["executor"]) == ["processes", "threads"]
    assert list(table["flagged"]) == [True, False]
