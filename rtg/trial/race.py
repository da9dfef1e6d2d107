"""The race outcome of one run: did the threads overlap, or did one wait for the other?

A scenario with two or more threads is a race between the main thread that
starts them and the first thread's call. In ``gil+nogil`` the GIL-holding call
keeps the second thread from even starting until it returns, so the run is
*serialized*; in ``nogil+gil`` the second thread starts while the first call
runs, unless starting a thread takes longer than the call. With calls of a few
milliseconds or less, the same cell can go either way from run to run, and a
median of its wall times then describes neither outcome. This module defines
the outcome once (docs/calls.md, "Serialized runs") and gives the fraction of
serialized runs per cell with a confidence interval that treats the process,
not the run, as the independent unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

# Standard library only: trial processes import this module, and they block SciPy (rtg/trial/lean.py).

#: A cell whose serialized fraction lies in this closed range is bimodal: some
#: runs overlapped and some serialized, and its median describes neither mode.
BIMODAL_RANGE = (0.1, 0.9)
CONFIDENCE = 0.95


def busy_end(start_ns: float, end_ns: float, cpu_s: float) -> float:
    """When a thread's call really ended: ``min(end_ns, start_ns + cpu_s)``.

    ``end_ns`` is taken after the call *and* after the thread got the GIL
    back, which in ``nogil+gil`` waits for the other thread; the CPU time the
    thread spent gives the end of its own work.
    """
    return min(float(end_ns), float(start_ns) + float(cpu_s) * 1e9)


def serialized(starts_ns: Sequence[float], busy_ends_ns: Sequence[float]) -> bool:
    """True when the last thread to start started only after some earlier one's call had returned.

    For two threads: the later one started after the earlier one's busy end
    (its call had already returned), so the two calls never ran together. A
    single thread is never serialized.
    """
    if len(starts_ns) < 2:
        return False
    if len(starts_ns) != len(busy_ends_ns):
        raise ValueError("one busy end per start")
    return max(starts_ns) >= min(busy_ends_ns)


def wilson_interval(successes: float, trials: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a proportion; ``trials`` may be an effective (fractional) size."""
    if trials <= 0:
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = min(max(successes / trials, 0.0), 1.0)
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    # At p = 0 or 1 the bound is exactly 0 or 1; rounding must not move it inside.
    low = 0.0 if p == 0 else max(0.0, centre - half)
    high = 1.0 if p == 1 else min(1.0, centre + half)
    return (low, high)


def intraclass_correlation(counts: Sequence[int], sizes: Sequence[int]) -> float:
    """One-way ANOVA estimate of the ICC of a binary outcome clustered in processes (clipped to [0, 1]).

    0 when the processes agree as much as independent runs would; 1 when
    every process is all-or-nothing. NaN with one process or no spread.
    """
    groups, total = len(sizes), float(sum(sizes))
    if groups < 2 or total <= groups:
        return math.nan
    p = sum(counts) / total
    shares = [k / m for k, m in zip(counts, sizes, strict=True)]
    msb = sum(m * (q - p) ** 2 for m, q in zip(sizes, shares, strict=True)) / (groups - 1)
    msw = sum(m * q * (1 - q) for m, q in zip(sizes, shares, strict=True)) / (total - groups)
    m0 = (total - sum(m * m for m in sizes) / total) / (groups - 1)
    if msb + (m0 - 1) * msw <= 0:
        return math.nan
    return min(1.0, max(0.0, (msb - msw) / (msb + (m0 - 1) * msw)))


def fraction_ci(counts: Sequence[int], sizes: Sequence[int], confidence: float = CONFIDENCE) -> dict[str, float]:
    """Serialized fraction of a cell, with a Wilson interval on the effective number of runs.

    ``counts[i]`` of ``sizes[i]`` runs of process i serialized. Runs of one
    process are not independent, so the number of runs is shrunk by Kish's
    design effect ``1 + (mean runs - 1) * ICC``: a cell whose processes are
    all-or-nothing counts as many observations as it has processes, one whose
    processes agree as independent runs would counts every run. With one run
    per process this is the plain Wilson interval over processes.
    """
    total = float(sum(sizes))
    if total == 0:
        return {"fraction": math.nan, "ci_low": math.nan, "ci_high": math.nan, "effective_n": 0.0}
    icc = intraclass_correlation(counts, sizes)
    if math.isnan(icc):
        # One process: nothing tells how alike processes are, so it counts as one observation.
        # Several processes without any spread (all 0 or all 1 everywhere) agree as independent
        # runs would, so every run counts.
        icc = 1.0 if len(sizes) < 2 else 0.0
    design_effect = 1 + (total / len(sizes) - 1) * icc
    effective = total / design_effect
    fraction = sum(counts) / total
    low, high = wilson_interval(fraction * effective, effective, confidence)
    return {"fraction": fraction, "ci_low": low, "ci_high": high, "effective_n": effective}


def bimodal(fraction: float) -> bool:
    """Some runs serialized and some did not, each often enough to matter."""
    return not math.isnan(fraction) and BIMODAL_RANGE[0] <= fraction <= BIMODAL_RANGE[1]
