"""Synthetic timings/threads tables that follow the pipeline's output contract.

They are generated from a known model of the blog's experiment, so the
statistics can be checked against known answers: a GIL-holding call blocks
every later thread until it returns, a GIL-releasing one runs alongside.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SCENARIOS = ("gil", "nogil", "gil+gil", "nogil+gil", "gil+nogil", "nogil+nogil")
NS_PER_ITER = {"cython": 0.28, "numba": 0.28}


def _gil_mode(toks: tuple[str, ...]) -> str:
    return toks[0] if len(set(toks)) == 1 else "mixed"


def _start_order(toks: tuple[str, ...]) -> str:
    return "none" if len(set(toks)) == 1 else f"{toks[0]}_first"


def simulate(
    backends=("cython", "numba"),
    scenarios=SCENARIOS,
    n_values=(100_000_000, 1_000_000_000),
    repetitions=5,
    noise=0.01,
    seed=1,
    ns_per_iter=None,
    extra_columns=None,
    gil=True,
):
    """Return (timings, threads) DataFrames of a modelled run.

    Each call takes n * ns_per_iter * (1 + |N(0, noise)|) ns. A thread starts
    when the main thread can run: right away, or after every earlier
    GIL-holding call finished (the blog's start-order effect). ``gil=False``
    models a free-threaded interpreter: nothing waits, and the trials record
    ``gil_disabled_build`` and a GIL that stayed off.
    """
    rng = np.random.default_rng(seed)
    speeds = dict(NS_PER_ITER, **(ns_per_iter or {}))
    trows, hrows = [], []
    for backend in backends:
        for scenario in scenarios:
            toks = tuple(scenario.split("+"))
            for n in n_values:
                for rep in range(1, repetitions + 1):
                    clock = 0.0
                    gil_busy_until = 0.0
                    threads = []
                    for index, tok in enumerate(toks):
                        duration = n * speeds[backend] * (1 + abs(rng.normal(0, noise)))
                        start = max(clock, gil_busy_until) + 20_000.0 * index
                        end = start + duration
                        if tok == "gil" and gil:
                            gil_busy_until = end
                        clock = start
                        threads.append((index, tok, start, end, duration / 1e9))
                    wall_ns = max(t[3] for t in threads) + 10_000.0
                    cpu_s = sum(t[4] for t in threads) + 0.001
                    trow = {
                        "backend": backend,
                        "scenario": scenario,
                        "threads": len(toks),
                        "gil_mode": _gil_mode(toks),
                        "start_order": _start_order(toks),
                        "n": n,
                        "rep": rep,
                        "wall_s": wall_ns / 1e9,
                        "cpu_s": cpu_s,
                        "cpu_user_s": cpu_s - 0.001,
                        "cpu_sys_s": 0.001,
                        "result": "123",
                        "correct": True,
                        "started_at": 1.7e9 + rep,
                        "ended_at": 1.7e9 + rep + wall_ns / 1e9,
                        "host": "synthetic",
                        "cpu_model": "Model CPU",
                        "logical_cpus": 2,
                        "python_version": "3.11.7",
                        "loadavg_before": 0.2,
                        "loadavg_after": 0.5,
                        "build_manifest_sha256": "0" * 64,
                        "trial_file": f"results/trials/{backend}/{scenario}/n{n}/rep{rep}.json",
                        "gil_disabled_build": not gil,
                        "gil_enabled": gil,
                        "gil_reenabled_by_import": False,
                    }
                    trow.update(extra_columns or {})
                    trows.append(trow)
                    for index, tok, start, end, cpu in threads:
                        hrows.append(
                            {
                                "backend": backend,
                                "scenario": scenario,
                                "n": n,
                                "rep": rep,
                                "thread": index,
                                "token": tok,
                                "start_ns": int(start),
                                "end_ns": int(end),
                                "cpu_s": cpu,
                                "correct": True,
                                "cpu": index,
                            }
                        )
    return pd.DataFrame(trows), pd.DataFrame(hrows)
