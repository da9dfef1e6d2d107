"""Hand-built summary and timings tables of a gallery run: one-mode kernels, thread-count sweeps, two builds.

Each cell is written down with the numbers a test asserts on, in the columns
rtg.analysis.stats.summarize and timings.csv have (executor, interpreter and
the other axes, gil_enabled, gil_disabled_build, ratio with its CI), plus the
trial columns the GIL tables read: heartbeat_stall_share and oversubscribed.
"""

from __future__ import annotations

import math

import pandas as pd

NAN = math.nan
GIL = "cpython-3.14"
FREE = "cpython-3.14t"

#: environment.json's kernel facts as aggregate.py writes them now (modes, source_says, source_cites).
KERNELS = {
    "hashlib_sha256_1mib": {"modes": ["call"], "source_says": {"call": "releases"},
                            "source_cites": "Modules/_hashopenssl.c: Py_BEGIN_ALLOW_THREADS for len >= 2048"},
    "hashlib_sha256_1kib": {"modes": ["call"], "source_says": {"call": "holds"},
                            "source_cites": "Modules/hashlib.h: HASHLIB_GIL_MINSIZE 2048"},
    "re_search": {"modes": ["call"], "source_says": {"call": "holds"}, "source_cites": "cpython#67878"},
    "json_dumps": {"modes": ["call"], "source_says": {}, "source_cites": ""},
    "numpy_dot": {"modes": ["call"], "source_says": {"call": "releases"}, "source_cites": "NPY_BEGIN_THREADS"},
    "cython": {"modes": ["gil", "nogil"], "source_says": {"gil": "holds", "nogil": "releases"}, "source_cites": ""},
}  # fmt: skip


def cell(
    backend: str,
    scenario: str,
    ratio: float = NAN,
    low: float = NAN,
    high: float = NAN,
    interpreter: str = GIL,
    n: int = 1 << 20,
    executor: str = "threads",
    wall: float = 0.01,
    gil_enabled: bool | None = None,
    free: bool | None = None,
) -> dict:
    """One summary row; T = 1 rows have no ratio. The build follows the interpreter's ``t`` unless given."""
    toks = scenario.split("+")
    free = interpreter.endswith("t") if free is None else free
    return {
        "backend": backend,
        "scenario": scenario,
        "n": n,
        "executor": executor,
        "interpreter": interpreter,
        "calls_per_thread": 1,
        "switch_interval_ms": 5.0,
        "pinned": True,
        "threads": len(toks),
        "gil_mode": toks[0] if len(set(toks)) == 1 else "mixed",
        "start_order": "none",
        "gil_disabled_build": free,
        "gil_enabled": (not free) if gil_enabled is None else gil_enabled,
        "gil_reenabled_by_import": bool(free and gil_enabled),
        "count": 5,
        "wall_median": wall * (ratio if len(toks) > 1 and not math.isnan(ratio) else 1.0),
        "ratio": ratio if len(toks) > 1 else NAN,
        "ratio_ci_low": low if len(toks) > 1 else NAN,
        "ratio_ci_high": high if len(toks) > 1 else NAN,
    }


def trials(row: dict, stall: list[float] | None = None, oversubscribed: bool = False, reps: int = 3) -> list[dict]:
    """The timings rows of one cell: ``stall`` gives each trial's heartbeat_stall_share (NaN: heartbeat off)."""
    keys = ("backend", "scenario", "n", "executor", "interpreter", "calls_per_thread", "switch_interval_ms", "pinned")
    shares = stall if stall is not None else [NAN] * reps
    return [
        {
            **{k: row[k] for k in keys},
            "threads": row["threads"],
            "rep": rep + 1,
            "wall_s": row["wall_median"],
            "correct": True,
            "python_version": row["interpreter"].split("-")[1],
            "heartbeat_stall_share": share,
            "oversubscribed": oversubscribed,
        }
        for rep, share in enumerate(shares)
    ]


def tables(cells: list[tuple[dict, dict]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary, timings) from (summary row, keyword arguments of :func:`trials`) pairs."""
    summary = pd.DataFrame([row for row, _ in cells])
    timings = pd.DataFrame([t for row, kw in cells for t in trials(row, **kw)])
    return summary, timings
