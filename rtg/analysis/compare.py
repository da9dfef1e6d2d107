"""Compare this run with earlier ones: "did my change help?"

An earlier run is a results folder moved aside (``mv results results-before``)
and named in ``compare_with``. It is only read: its trial files are checked
exactly as today's (seals, reference values, build manifests), then its cells
are matched with today's on every key column. For each cell present in both
runs: both medians, the ratio new ÷ old with a two-level bootstrap CI (the
process is the unit, rtg/analysis/hierarchy.py), a Mann–Whitney p on one value per
process with Holm's correction across all rows, and a verdict. A change counts
only when its whole CI lies beyond ``compare_threshold``: ``slower`` when the
CI's low end is above 1 + threshold, ``faster`` when its high end is below
1 − threshold, otherwise ``no significant change``. Cells found in one run
only are listed with the verdict ``only in this run`` or ``only in the earlier
run``, never dropped.

Before any number, :func:`differences` says what differs between the runs
(machine, CPU, Python, packages, compiler and flags, build hashes): a ratio
means little without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from rtg.analysis import hierarchy, stats
from rtg.collect import integrity
from rtg.core import axes
from rtg.core.errors import UserError
from rtg.core.records import manifest_digest

#: Files every results folder of a compatible version holds.
REQUIRED_FILES = ("timings.csv", "environment.json")
#: timings.csv columns the comparison reads.
REQUIRED_COLUMNS = ("backend", "scenario", "n", "rep", "wall_s", "correct", "trial_file")
VERDICTS = ("faster", "slower", "no significant change", "only in this run", "only in the earlier run")
COLUMNS = [
    "earlier_run", "backend", "scenario", "n", "executor", "interpreter",
    "processes_earlier", "processes_now", "median_earlier_s", "median_now_s",
    "ratio", "ratio_ci_low", "ratio_ci_high", "p_value", "p_holm", "verdict",
]  # fmt: skip


class CompareError(UserError):
    """A ``compare_with`` folder is not a results folder this version can read."""


@dataclass
class Run:
    """One results folder: its valid trials (with their runs attached) and environment."""

    folder: Path
    timings: pd.DataFrame
    environment: dict


def folder_problems(folder: str | Path, current: str | Path | None = None) -> list[str]:
    """What makes ``folder`` unusable as an earlier run (empty list: usable); ``current``: this run's results."""
    path = Path(folder)
    if not path.is_dir():
        return [f"{folder} is not a folder"]
    if current is not None:
        mine = Path(current).resolve()
        if path.resolve() == mine or mine in path.resolve().parents:
            return [f"{folder} is inside this run's own results folder, which this run rewrites: move the earlier "
                    f"run aside first (mv results results-before) and name that folder"]  # fmt: skip
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        return [f"{folder} is not a results folder: it has no {' and no '.join(missing)}"]
    try:
        columns = set(pd.read_csv(path / "timings.csv", nrows=0).columns)
        json.loads((path / "environment.json").read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        return [f"{folder}: timings.csv or environment.json cannot be read ({error})"]
    lacking = [c for c in REQUIRED_COLUMNS if c not in columns]
    if lacking:
        return [f"{folder} was written by an incompatible version: its timings.csv lacks {', '.join(lacking)}"]
    return []


def trial_path(folder: Path, trial_file: str) -> Path:
    """Where an earlier run's trial file is now: its ``results/...`` path, under the moved folder."""
    relative = Path(trial_file)
    parts = relative.parts
    if parts and parts[0] == "results":
        relative = Path(*parts[1:])
    return folder / relative


def manifest_digests(folder: Path) -> dict[str, str]:
    """Build manifests of an earlier run, keyed and hashed as the aggregate step does."""
    return {key: manifest_digest(m) for key, m in integrity.manifests_under(folder / "build").items()}


def check_integrity(folder: Path, timings: pd.DataFrame) -> None:
    """Check every trial file of the earlier run as today's are checked; raise ``CompareError`` naming them."""
    paths = [trial_path(folder, f) for f in timings["trial_file"]]
    try:
        integrity.read_checked(paths, manifest_digests(folder))
    except integrity.IntegrityError as error:
        raise CompareError(f"the earlier run {folder} does not pass the integrity check: {error}") from None


def load(folder: str | Path, verify: bool = True) -> Run:
    """Read an earlier (or this) run's tables; ``verify`` checks its trial files first."""
    folder = Path(folder)
    problems = folder_problems(folder)
    if problems:
        raise CompareError("; ".join(problems))
    timings = pd.read_csv(folder / "timings.csv")
    if verify:
        check_integrity(folder, timings)
    runs_csv = folder / "runs.csv"
    runs = stats.kept_runs(pd.read_csv(runs_csv)) if runs_csv.is_file() else None
    environment = json.loads((folder / "environment.json").read_text(encoding="utf-8"))
    return Run(folder, stats.attach_runs(stats.valid_trials(timings), runs), environment)


def verdict(low: float, high: float, threshold: float) -> str:
    """``slower``/``faster`` only when the whole CI lies beyond the threshold."""
    if np.isnan(low) or np.isnan(high):
        return "no significant change"
    if low > 1 + threshold:
        return "slower"
    if high < 1 - threshold:
        return "faster"
    return "no significant change"


def key_columns(now: pd.DataFrame, earlier: pd.DataFrame) -> list[str]:
    """Every cell key present in either table (a column only one run has still separates its cells)."""
    keys = stats.cell_key_columns(now)
    return keys + [c for c in stats.cell_key_columns(earlier) if c not in keys]


def compare(now: Run, earlier: Sequence[Run], threshold: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """One row per cell and earlier run (see the module docstring); Holm across every row with a p."""
    rng = np.random.default_rng(seed)
    rows = []
    for old in earlier:
        keys = key_columns(now.timings, old.timings)
        new_cells = {k: g for k, g in _cells(now.timings, keys)}
        old_cells = {k: g for k, g in _cells(old.timings, keys)}
        for key in sorted(set(new_cells) | set(old_cells), key=str):
            row = {"earlier_run": str(old.folder), **dict(zip(keys, key, strict=True))}
            new, before = new_cells.get(key), old_cells.get(key)
            if new is None or before is None:
                row["verdict"] = "only in the earlier run" if new is None else "only in this run"
                row["processes_now"] = 0 if new is None else len(new)
                row["processes_earlier"] = 0 if before is None else len(before)
                rows.append(row)
                continue
            ratio, low, high = hierarchy.ratio_ci(
                list(new[stats.RUN_WALLS]), [list(before[stats.RUN_WALLS])], [1.0], seed=rng
            )
            p = float(sps.mannwhitneyu(new["wall_s"], before["wall_s"], alternative="two-sided").pvalue)
            row.update(
                processes_earlier=len(before),
                processes_now=len(new),
                median_earlier_s=hierarchy.point(list(before[stats.RUN_WALLS])),
                median_now_s=hierarchy.point(list(new[stats.RUN_WALLS])),
                ratio=ratio,
                ratio_ci_low=low,
                ratio_ci_high=high,
                p_value=p,
                verdict=verdict(low, high, threshold),
            )
            rows.append(row)
    table = pd.DataFrame(rows)
    for column in COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    table["p_holm"] = stats.holm(table["p_value"].to_numpy(dtype=float))
    extra = [c for c in table.columns if c not in COLUMNS]
    return table[COLUMNS[:6] + extra + COLUMNS[6:]]


#: The value a key column had before it existed: a run from an older version used these.
KEY_DEFAULTS = dict(axes.DEFAULTS)


def _cells(timings: pd.DataFrame, keys: list[str]):
    frame = timings.copy()
    for column in keys:
        if column not in frame.columns:
            frame[column] = KEY_DEFAULTS.get(column, "–")
    for key, group in frame.groupby(keys, sort=True):
        yield (key if isinstance(key, tuple) else (key,)), group


#: What is compared between two runs' environments: (label, how to read it from environment.json).
def _facts(environment: Mapping) -> dict[str, str]:
    meta = environment.get("metadata") or {}
    facts = {
        "machine (host)": ", ".join(environment.get("hosts") or [meta.get("host", "?")]),
        "CPU model": str(meta.get("cpu_model")),
        "logical CPUs": str(meta.get("logical_cpus")),
        "Python": f"{meta.get('python_implementation', '')} {meta.get('python_version', '')}".strip(),
        "Python executable": str(meta.get("python_executable")),
        "GIL disabled build": str(meta.get("gil_disabled_build")),
    }
    config = environment.get("config") or {}
    for setting in ("cython_cflags", "pin_threads", "inner_repetitions", "isolate_trials"):
        if setting in config:
            facts[f"config {setting}"] = json.dumps(config[setting])
    for name, manifest in sorted((environment.get("manifests") or {}).items()):
        for field in sorted(manifest):
            if field.endswith("_version") or field in ("cflags", "compiler", "source_sha256", "artifact_sha256"):
                value = manifest[field]
                facts[f"{name} {field}"] = " ".join(value) if isinstance(value, list) else str(value)
    return facts


def differences(now: Mapping, earlier: Mapping) -> list[dict[str, str]]:
    """Every environment fact that differs between the runs: ``what``, ``earlier``, ``now``."""
    mine, theirs = _facts(now), _facts(earlier)
    return [
        {"what": what, "earlier": theirs.get(what, "–"), "now": mine.get(what, "–")}
        for what in list(mine) + [w for w in theirs if w not in mine]
        if mine.get(what, "–") != theirs.get(what, "–")
    ]


def cross_machine(diffs: Sequence[Mapping[str, str]]) -> bool:
    """The runs come from different machines (host or CPU model differ)."""
    return any(d["what"] in ("machine (host)", "CPU model", "logical CPUs") for d in diffs)
