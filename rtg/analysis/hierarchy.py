"""Two-level bootstrap: processes, then the runs inside each process.

With inner repetitions a cell holds a few processes of many runs each. Runs
of one process share its state (where its memory landed, which CPUs its
threads got, its warm caches), so they are not independent samples: treating
500 runs as 500 observations would give intervals far too narrow. The
process is the unit. Each replicate resamples the cell's processes with
replacement, then each chosen process's runs with replacement, and takes the
median over processes of each process's median run: the same statistic as
the point estimate, the median of ``timings.csv``'s per-process ``wall_s``.
With one run per process this is the ordinary bootstrap of process values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CONFIDENCE = 0.95
N_RESAMPLES = 4000


def point(groups: Sequence[np.ndarray]) -> float:
    """Median over processes of each process's median run."""
    return float(np.median([np.median(g) for g in groups]))


def replicates(groups: Sequence[np.ndarray], n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``n_resamples`` bootstrap replicates of :func:`point`, resampling processes and then runs."""
    processes = len(groups)
    picks = rng.integers(0, processes, size=(n_resamples, processes))
    chosen = np.empty(picks.shape)
    for p, runs in enumerate(groups):
        where = picks == p
        count = int(where.sum())
        if count == 0:
            continue
        if runs.size == 1:
            chosen[where] = runs[0]
        else:
            draws = rng.integers(0, runs.size, size=(count, runs.size))
            chosen[where] = np.median(runs[draws], axis=1)
    return np.median(chosen, axis=1)


def _interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def median_ci(
    groups: Sequence[Sequence[float]],
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int | np.random.Generator = 0,
) -> tuple[float, float]:
    """Percentile interval of the cell's median; NaN with fewer than 2 processes (no spread between units)."""
    arrays = [np.asarray(g, dtype=float) for g in groups if len(g)]
    if len(arrays) < 2:
        return (float("nan"), float("nan"))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return _interval(replicates(arrays, n_resamples, rng), confidence)


def ratio_ci(
    numerator: Sequence[Sequence[float]],
    denominators: Sequence[Sequence[Sequence[float]]],
    weights: Sequence[float],
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int | np.random.Generator = 0,
) -> tuple[float, float, float]:
    """median(numerator) / sum_i weights_i * median(denominators_i), each cell resampled on its own.

    Returns (ratio, low, high); the interval is NaN when a cell has fewer than 2 processes.
    """
    num = [np.asarray(g, dtype=float) for g in numerator if len(g)]
    dens = [[np.asarray(g, dtype=float) for g in d if len(g)] for d in denominators]
    if not num or any(not d for d in dens):
        return (float("nan"),) * 3
    ratio = point(num) / sum(w * point(d) for w, d in zip(weights, dens, strict=True))
    if len(num) < 2 or any(len(d) < 2 for d in dens):
        return (ratio, float("nan"), float("nan"))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    top = replicates(num, n_resamples, rng)
    base = sum(w * replicates(d, n_resamples, rng) for w, d in zip(weights, dens, strict=True))
    low, high = _interval(top / base, confidence)
    return (float(ratio), low, high)
