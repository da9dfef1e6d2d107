"""TEST ONLY: make chosen trials hang or crash, to prove the pipeline contains them.

Never part of the config: a fault is requested through the environment
variable ``RTG_TEST_FAULT`` (inherited by local jobs and by ``sbatch``),
a comma-separated list of ``<fault>:<pattern>`` items, where ``pattern`` is a
shell-style pattern over the trial key ``<backend>/<scenario>/n<n>/rep<rep>``
(the trial file's path under results/trials/, without ``.json``)::

    RTG_TEST_FAULT='hang:cython/nogil/*,abort:numba/gil+gil/n2000000/rep1'

Faults: ``hang`` sleeps forever (the GIL is free), ``spin`` runs the real
GIL-holding kernel for centuries (no Python thread can run), ``abort`` raises
SIGABRT, ``segfault`` reads address 0.

``hold`` is a gate, not a crash: the trial creates ``<key>.held`` (slashes
as ``_``) in the folder named by ``RTG_TEST_GATE``, waits until the test
creates ``<key>.go`` there, then runs normally. A test can so act while a
chosen trial is provably running (kill snakemake, say), whatever the machine's
speed and whichever job the scheduler started first.
"""

from __future__ import annotations

import fnmatch
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ENV = "RTG_TEST_FAULT"
GATE_ENV = "RTG_TEST_GATE"
FAULTS = ("hang", "spin", "abort", "segfault", "hold")
#: n for ``spin``: at ~0.3 ns per iteration this takes decades.
SPIN_N = 2**62


def parse(spec: str) -> list[tuple[str, str]]:
    """``"hang:a/*,abort:b/*"`` -> ``[("hang", "a/*"), ("abort", "b/*")]``; unknown faults are an error."""
    items = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        fault, sep, pattern = item.partition(":")
        if fault not in FAULTS or not sep or not pattern:
            raise ValueError(f"{ENV}: {item!r} is not '<fault>:<trial pattern>' with fault one of {', '.join(FAULTS)}")
        items.append((fault, pattern))
    return items


def requested(key: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The fault requested for trial ``key``, or None (the normal case)."""
    for fault, pattern in parse(environ.get(ENV, "")):
        if fnmatch.fnmatchcase(key, pattern):
            return fault
    return None


def inject(fault: str, gil_kernel: Callable[[], Callable[[int], int]]) -> None:
    """Perform ``fault``; never returns. ``gil_kernel`` loads the real GIL-holding entry point."""
    print(f"TEST FAULT {fault!r} injected through {ENV}: this trial will not finish.", flush=True)
    sys.stderr.flush()
    if fault == "hang":
        while True:
            time.sleep(3600)
    if fault == "spin":
        gil_kernel()(SPIN_N)
    if fault == "abort":
        os.abort()
    if fault == "segfault":
        import ctypes

        ctypes.string_at(0)
    raise AssertionError(f"fault {fault!r} returned")


def gate_files(key: str, gate: str | os.PathLike) -> tuple[Path, Path]:
    """The ``.held`` marker a held trial creates and the ``.go`` file that releases it."""
    slug = key.replace("/", "_")
    return Path(gate) / f"{slug}.held", Path(gate) / f"{slug}.go"


def hold(key: str, environ: Mapping[str, str] = os.environ, poll_s: float = 0.01) -> None:
    """The ``hold`` fault: announce that trial ``key`` runs, wait for the test's go, then return."""
    gate = environ.get(GATE_ENV)
    if not gate:
        raise ValueError(f"{ENV} asks to hold {key}, but {GATE_ENV} names no folder for the gate files")
    held, go = gate_files(key, gate)
    print(f"TEST GATE: trial {key} waits for {go}", flush=True)
    held.touch()
    while not go.exists():
        time.sleep(poll_s)
