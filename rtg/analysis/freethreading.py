"""With and without the GIL: the same cells on a free-threaded interpreter and on a GIL build.

A free-threaded build (``Py_GIL_DISABLED``, PEP 703) runs GIL-holding threads
in parallel, unless importing an extension that does not declare
free-threading support switched the GIL back on (``gil_reenabled_by_import``).
This module pairs each free-threaded interpreter of a grid with a GIL build
(the same version when the grid has it), puts their cells side by side, and
measures what free-threading costs a single thread. Comparing 3.13 with 3.13t
isolates the GIL from the version; comparing 3.11 with 3.13t does not, and the
pairing says which it did.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rtg.analysis import stats
from rtg.core import scenarios

#: Above this gil+gil ratio a free-threaded pair did not run in parallel (1× parallel, 2× serialized).
PARALLEL_BELOW = 1.3
#: A pure-Python pair whose ratio's CI lies above this was measurably slowed by something (the explanation shows).
CONTENDED_ABOVE = 1.1
#: The pure-Python backends whose loops differ only in where their mask object lives (kernels/).
SHARED_OBJECT_BACKEND = "python"
PRIVATE_OBJECT_BACKEND = "python_private"


def _flag(table: pd.DataFrame, column: str, default: bool) -> pd.Series:
    if column not in table.columns:
        return pd.Series(default, index=table.index)
    return table[column].fillna(default).astype(bool)


def free_threaded(table: pd.DataFrame) -> list[str]:
    """Interpreters of ``table`` that are free-threaded builds, sorted."""
    if "interpreter" not in table.columns or not len(table):
        return []
    return sorted(table.loc[_flag(table, "gil_disabled_build", False), "interpreter"].unique())


def with_gil(table: pd.DataFrame) -> list[str]:
    """Interpreters of ``table`` that are GIL builds, sorted."""
    if "interpreter" not in table.columns or not len(table):
        return []
    return sorted(table.loc[~_flag(table, "gil_disabled_build", False), "interpreter"].unique())


def both_kinds(table: pd.DataFrame) -> bool:
    """Whether the grid ran a free-threaded interpreter and a GIL build."""
    return bool(free_threaded(table)) and bool(with_gil(table))


def _version(label: str) -> tuple[int, ...]:
    found = re.search(r"(\d+(?:\.\d+)*)", label)
    return tuple(int(x) for x in found.group(1).split(".")) if found else ()


def pairs(table: pd.DataFrame) -> list[tuple[str, str, bool]]:
    """(free-threaded, GIL build, same version?) for each free-threaded interpreter of ``table``.

    The partner is the GIL build of the same version when there is one, else
    of the same minor version, else the closest version: only a same-version
    pair isolates the GIL.
    """
    gil = with_gil(table)
    out = []
    for free in free_threaded(table):
        if not gil:
            continue
        mine = _version(free)

        def distance(label: str, mine: tuple[int, ...] = mine) -> tuple[bool, bool, int]:
            theirs = _version(label)
            minor = abs((theirs + (0, 0))[1] - (mine + (0, 0))[1])
            return (theirs != mine, theirs[:2] != mine[:2], minor)

        partner = min(gil, key=distance)
        out.append((free, partner, _version(partner) == mine))
    return out


def side_by_side(summary: pd.DataFrame, free: str, gil: str) -> pd.DataFrame:
    """The cells both interpreters ran at each backend's largest common n: wall medians and ratios, both sides.

    Other axes (executor, calls per thread, switch interval) stay at the blog's
    setting when the grid has it, as in the answer.
    """
    cells = summary[summary["interpreter"].isin([free, gil])]
    cells = stats.blog_setting(cells)
    rows = []
    for backend, mine in cells.groupby("backend", sort=True):
        common = set(mine.loc[mine["interpreter"] == free, "n"]) & set(mine.loc[mine["interpreter"] == gil, "n"])
        if not common:
            continue
        n = max(common)
        at = mine[mine["n"] == n]
        for scenario in sorted(at["scenario"].unique(), key=scenarios.scenario_sort_key):
            one = at[at["scenario"] == scenario].set_index("interpreter")
            if free not in one.index or gil not in one.index:
                continue
            g, f = one.loc[gil], one.loc[free]
            rows.append(
                {
                    "backend": backend,
                    "scenario": scenario,
                    "n": int(n),
                    "gil_wall_s": g["wall_median"],
                    "gil_ratio": g.get("ratio", np.nan),
                    "gil_ratio_ci_low": g.get("ratio_ci_low", np.nan),
                    "gil_ratio_ci_high": g.get("ratio_ci_high", np.nan),
                    "free_wall_s": f["wall_median"],
                    "free_ratio": f.get("ratio", np.nan),
                    "free_ratio_ci_low": f.get("ratio_ci_low", np.nan),
                    "free_ratio_ci_high": f.get("ratio_ci_high", np.nan),
                    "free_gil_enabled": bool(f.get("gil_enabled", False)),
                }
            )
    return pd.DataFrame(rows)


def single_thread_cost(timings: pd.DataFrame, free: str, gil: str, seed: int = 0) -> pd.DataFrame:
    """ns per iteration of one GIL-holding call on each interpreter, and free ÷ GIL, with 95 % CIs.

    One value per process (its median run); the ratio's CI resamples both
    sides independently (``stats.bootstrap_ratio_ci``). The single ``gil``
    scenario at each backend's largest common n; ``nogil`` where ``gil`` is absent.
    """
    valid = stats.valid_trials(timings)
    valid = stats.blog_setting(valid)
    rng = np.random.default_rng(seed)
    rows = []
    for backend, mine in valid[valid["threads"] == 1].groupby("backend", sort=True):
        scenario = "gil" if (mine["scenario"] == "gil").any() else "nogil"
        mine = mine[mine["scenario"] == scenario]
        common = set(mine.loc[mine["interpreter"] == free, "n"]) & set(mine.loc[mine["interpreter"] == gil, "n"])
        if not common:
            continue
        n = max(common)
        ns = {
            label: mine.loc[(mine["interpreter"] == label) & (mine["n"] == n), "wall_s"].to_numpy(float) / n * 1e9
            for label in (gil, free)
        }
        row = {"backend": backend, "scenario": scenario, "n": int(n)}
        for side, label in (("gil", gil), ("free", free)):
            described = stats.describe(ns[label], seed=rng)
            row.update(
                {
                    f"{side}_ns": described["median"],
                    f"{side}_ns_ci_low": described["ci_low"],
                    f"{side}_ns_ci_high": described["ci_high"],
                }
            )
        ratio, low, high = stats.bootstrap_ratio_ci(ns[free], [ns[gil]], [1.0], seed=rng)
        row.update({"cost": ratio, "cost_ci_low": low, "cost_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def reenabled(timings: pd.DataFrame) -> pd.DataFrame:
    """(interpreter, backend) whose kernel import switched the GIL back on, with the trials that saw it."""
    if "gil_reenabled_by_import" not in timings.columns:
        return pd.DataFrame(columns=["interpreter", "backend", "trials"])
    hit = timings[_flag(timings, "gil_reenabled_by_import", False)]
    if not len(hit):
        return pd.DataFrame(columns=["interpreter", "backend", "trials"])
    return hit.groupby(["interpreter", "backend"], sort=True).size().rename("trials").reset_index()


def contention(summary: pd.DataFrame, free: str) -> dict | None:
    """The pure-Python finding on a free-threaded interpreter: gil+gil of the shared-object loop and the private one.

    None unless the shared-object backend ran gil+gil there. ``parallel`` says
    whether its threads overlapped (median overlap); ``slower`` whether the
    pair took more than two calls' time, i.e. more than running them one
    after the other.
    """
    cells = summary[(summary["interpreter"] == free) & (summary["scenario"] == "gil+gil")]
    cells = stats.blog_setting(cells)

    def at_largest(backend: str) -> pd.Series | None:
        mine = cells[cells["backend"] == backend]
        return mine.loc[mine["n"].idxmax()] if len(mine) else None

    shared, private = at_largest(SHARED_OBJECT_BACKEND), at_largest(PRIVATE_OBJECT_BACKEND)
    if shared is None:
        return None
    return {
        "shared": shared,
        "private": private,
        "overlap": float(shared.get("overlap_fraction_median", np.nan)),
        "slower": bool(shared["ratio_ci_low"] > 2.0) if pd.notna(shared.get("ratio_ci_low")) else False,
    }
