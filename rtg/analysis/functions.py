"""The functions a run measured: one per kernel mode, named as results/gil_release.csv and scaling.csv name them.

A kernel offers one entry point per mode (its ``MODES``, kernels/__init__.py):
the Fibonacci kernels ``gil`` and ``nogil``, a kernel that wraps one library
call a single mode such as ``call``. The tables name a function after its
kernel when the kernel has one mode (``hashlib_sha256_1mib``), else after
kernel and mode (``cython_nogil``). What the called code's source says about
the GIL comes from environment.json's kernel facts (``source_says``,
``source_cites``); results from before those facts existed are read as modes
gil and nogil with nothing known about their source.

:func:`cells` gives the cells both tables start from: threads of one process
(separate processes never share a GIL), every thread running the same mode,
each with its function, its interpreter and what its trials recorded beyond
the summary (the heartbeat's stall share, oversubscription).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from rtg.analysis import hierarchy, stats
from rtg.core import axes
from rtg.core.scenarios import tokens

#: The modes of a kernel whose facts do not say (the Fibonacci kernels' pair, and every result of an older run).
DEFAULT_MODES: tuple[str, ...] = ("gil", "nogil")
#: The only executor whose threads share one interpreter, and with it one GIL.
EXECUTOR = "threads"
#: The axes besides backend and n that split a function's rows (present in a table: its columns, in this order).
AXIS_COLUMNS: tuple[str, ...] = tuple(c for c in stats.OPTIONAL_KEY_COLUMNS if c not in ("executor", "interpreter"))
#: The axis whose table value is what a trial did, not what it asked: threads that outnumber the CPUs stay unpinned.
PIN_COLUMN = axes.PIN.column
#: Display names of interpreter families in interpreter labels (``cpython-3.13.5t``).
FAMILIES = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}


def modes(backend: str, kernels: Mapping[str, Any] | None, observed: Iterable[str] = ()) -> tuple[str, ...]:
    """The modes ``backend`` offers: its facts' ``modes``; without them gil and nogil, or what ran when that was
    neither (a run whose facts lack the backend altogether)."""
    fact = (kernels or {}).get(backend) or {}
    if fact.get("modes"):
        return tuple(fact["modes"])
    seen = tuple(sorted(set(observed)))
    if seen and not set(seen) <= set(DEFAULT_MODES):
        return seen
    return DEFAULT_MODES


def function_name(backend: str, mode: str, offered: tuple[str, ...]) -> str:
    """``backend`` for a kernel of one mode, else ``backend_mode`` (``cython_nogil``)."""
    return backend if len(offered) == 1 else f"{backend}_{mode}"


def source(backend: str, mode: str, kernels: Mapping[str, Any] | None) -> tuple[str | None, str]:
    """(what the source says about ``mode``: "releases", "holds", "partly" or None = unknown, where it says so)."""
    fact = (kernels or {}).get(backend) or {}
    says = (fact.get("source_says") or {}).get(mode)
    return (str(says) if says else None, str(fact.get("source_cites") or ""))


def interpreter_name(label: str) -> str:
    """How a sentence names an interpreter label: ``cpython-3.13.5t`` -> ``CPython 3.13.5t``."""
    family, _, version = str(label).partition("-")
    if not version:
        return str(label)
    return f"{FAMILIES.get(family, family.capitalize())} {version}"


def labels(table: pd.DataFrame) -> pd.Series:
    """How a sentence, a legend or a table names each row's function: the function, with n and the axes that give
    one function several rows on one interpreter (``hashlib_sha256_1mib (n=1,024)``); the same names on every
    interpreter."""
    if table.empty:
        return pd.Series([], index=table.index, dtype=str)
    extra = [c for c in ("n", *AXIS_COLUMNS) if c in table.columns]
    groups = table.groupby(["function", "interpreter"], dropna=False)
    varying = [c for c in extra if (groups[c].nunique(dropna=False) > 1).any()]

    def one(row: pd.Series) -> str:
        if not varying:
            return str(row["function"])
        named = [f"n={int(row['n']):,}" if c == "n" else axes.label(row, [c]) for c in varying]
        return f"{row['function']} ({', '.join(named)})"

    return table.apply(one, axis=1).astype(str)


def _interpreter_fallback(timings: pd.DataFrame) -> str:
    """The interpreter of tables from before the interpreter axis: the Python the trials recorded."""
    if "python_version" in timings.columns and timings["python_version"].notna().any():
        return f"cpython-{timings['python_version'].dropna().astype(str).iloc[0]}"
    return "python"


def axis_columns(table: pd.DataFrame) -> list[str]:
    """The axes of :data:`AXIS_COLUMNS` that ``table`` has."""
    return [c for c in AXIS_COLUMNS if c in table.columns]


def _per_cell(timings: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per cell of ``keys``: the median heartbeat stall share and whether any trial was oversubscribed."""
    valid = stats.valid_trials(timings) if "correct" in timings.columns else timings
    stall = (
        pd.to_numeric(valid["heartbeat_stall_share"], errors="coerce")
        if "heartbeat_stall_share" in valid.columns
        else pd.Series(np.nan, index=valid.index)
    )
    over = (
        stats.truthy(valid["oversubscribed"])
        if "oversubscribed" in valid.columns
        else pd.Series(False, index=valid.index)
    )
    frame = valid[keys].assign(stall_share=stall.astype(float), oversubscribed=over)
    grouped = frame.groupby(keys, dropna=False, sort=False)
    return grouped.agg(stall_share=("stall_share", "median"), oversubscribed=("oversubscribed", "any")).reset_index()


def _where(table: pd.DataFrame, values: Mapping[str, Any]) -> pd.DataFrame:
    """The rows of ``table`` with these values (NaN matches NaN; ``pinned`` read as a boolean)."""
    mask = pd.Series(True, index=table.index)
    for column, value in values.items():
        if column == PIN_COLUMN:
            mask &= stats.truthy(table[column]) == bool(value)
        elif pd.isna(value):
            mask &= table[column].isna()
        else:
            mask &= table[column] == value
    return table[mask]


def _walls(trials: pd.DataFrame) -> list[np.ndarray]:
    """Each process's run wall times (one value each without runs.csv)."""
    if stats.RUN_WALLS in trials.columns:
        return [np.asarray(w, dtype=float) for w in trials[stats.RUN_WALLS]]
    return [np.array([w], dtype=float) for w in trials["wall_s"]]


def unpinnable_ratios(table: pd.DataFrame, timings: pd.DataFrame, keys: list[str], seed: int = 0) -> pd.DataFrame:
    """The ratios the summary cannot make for cells whose threads could not be pinned.

    Threads that outnumber the CPUs (``oversubscribe: true``) cannot be pinned,
    and the tables record what a trial did: such a cell says ``pinned`` False
    while its one-thread baseline, asked the same, says True, so the summary
    finds no baseline beside it. Here it is compared with that pinned baseline
    (the same two-level bootstrap, rtg/analysis/hierarchy.py) and takes the
    baseline's ``pinned``, the value both were asked for; ``oversubscribed``
    says what happened to its threads.
    """
    if PIN_COLUMN not in table.columns or PIN_COLUMN not in timings.columns or not len(table):
        return table
    lost = table[(table["threads"] >= 2) & table["ratio"].isna() & ~stats.truthy(table[PIN_COLUMN])]
    if lost.empty:
        return table
    table = table.copy()
    valid = stats.valid_trials(timings) if "correct" in timings.columns else timings
    rng = np.random.default_rng(seed)
    for index, row in lost.iterrows():
        own = {k: row[k] for k in keys}
        base = {**own, "scenario": row["mode"], PIN_COLUMN: True}
        if _where(table, {**base, "threads": 1}).empty:
            continue
        numerator, baseline = _where(valid, own), _where(valid, base)
        if numerator.empty or baseline.empty:
            continue
        ratio, low, high = hierarchy.ratio_ci(_walls(numerator), [_walls(baseline)], [1.0], seed=rng)
        table.loc[index, ["ratio", "ratio_ci_low", "ratio_ci_high"]] = [ratio, low, high]
        table.loc[index, PIN_COLUMN] = True
    return table


def cells(summary: pd.DataFrame, timings: pd.DataFrame, kernels: Mapping[str, Any] | None) -> pd.DataFrame:
    """The summary's cells of one mode on the threads executor, with what the GIL tables need.

    Adds ``mode``, ``function``, ``stall_share`` (median over the cell's correct
    trials; NaN without the heartbeat), ``oversubscribed`` (any of its trials),
    the ratio of a cell whose threads could not be pinned (:func:`unpinnable_ratios`),
    and fills ``interpreter`` for tables from before that axis. Mixed scenarios
    (``nogil+gil``) are left out: neither table speaks of them.
    """
    if summary is None or not len(summary) or "scenario" not in summary.columns:
        return pd.DataFrame(columns=[*(summary.columns if summary is not None else []), "mode", "function"])
    table = summary.copy()
    if "executor" in table.columns:
        table = table[table["executor"] == EXECUTOR]
    split = table["scenario"].map(tokens)
    same = split.map(lambda toks: len(set(toks)) == 1)
    table = table[same].assign(mode=split[same].map(lambda toks: toks[0])).copy()
    keys = [k for k in stats.cell_key_columns(timings) if k in table.columns]
    if len(table) and len(timings):
        table = table.merge(_per_cell(timings, keys), on=keys, how="left")
        table = unpinnable_ratios(table, timings, keys)
    if "interpreter" not in table.columns:
        table["interpreter"] = _interpreter_fallback(timings)
    for column, default in (("stall_share", np.nan), ("oversubscribed", False)):
        if column not in table.columns:
            table[column] = default
    table["stall_share"] = table["stall_share"].astype(float)
    table["oversubscribed"] = table["oversubscribed"].fillna(False).astype(bool)
    observed = {
        backend: [tok for scenario in mine for tok in tokens(scenario)]
        for backend, mine in summary.groupby("backend")["scenario"]
    }
    offered = {backend: modes(backend, kernels, observed.get(backend, ())) for backend in table["backend"].unique()}
    table["function"] = [function_name(b, m, offered[b]) for b, m in zip(table["backend"], table["mode"], strict=True)]
    for column, default in (("gil_enabled", True), ("gil_disabled_build", False)):
        table[column] = table[column].fillna(default).astype(bool) if column in table.columns else default
    return table.reset_index(drop=True)
