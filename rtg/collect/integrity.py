"""Integrity of results: only whole, untouched, correct trials of the current build get aggregated.

A trial file is accepted only when it parses, matches
workflow/schemas/trial.schema.yaml, carries a valid ``record_sha256`` seal
(so a hand-edited number is caught), agrees with its own path, holds values
equal to the independent reference, and was measured with the build whose
manifest is current. Every problem names the file, so the user knows what to
delete and rerun. Missing grid cells are listed (never imputed) for the report.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import yaml

from rtg.core import axes
from rtg.core.records import MEASUREMENT_KEYS, SEAL_KEY, record_digest
from rtg.core.reference import fib_mod64
from rtg.core.scenarios import parse as parse_scenario

ROOT = Path(__file__).resolve().parents[2]
TRIAL_SCHEMA = ROOT / "workflow" / "schemas" / "trial.schema.yaml"
MISSING_COLUMNS = ["backend", "scenario", "n", "rep", "trial_file", "log_file", "reason"]


class IntegrityError(ValueError):
    """One or more trial files cannot be trusted; the message names each of them."""


@lru_cache(maxsize=1)
def trial_schema() -> dict:
    with open(TRIAL_SCHEMA, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def schema_problems(record: object) -> list[str]:
    """Every JSON-schema violation, as ``<json path>: <message>``."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(trial_schema())
    found = []
    for error in sorted(validator.iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        found.append(f"{where}: {error.message}")
    return found


def reference_value(record: Mapping, call_n: int) -> tuple[str, str]:
    """The value every call of a trial had to return, recomputed here, and how to name it.

    Built-in kernels: F(n) mod 2^64. A user's kernel with its own ``reference``:
    that function, when the kernel can be loaded here (config kernel_paths), else
    the recorded value. A kernel without an independent reference (``check`` =
    agreement) can only be held to the value its threads agreed on.
    """
    how = record.get("check", "fibonacci")
    if how == "fibonacci":
        return str(fib_mod64(call_n)), f"F({call_n}) mod 2^64"
    if how == "reference":
        import kernels

        try:
            function = kernels.reference_of(record["backend"])
        except ValueError:  # the kernel's folder is not in this run's kernel_paths
            function = None
        if function is not None:
            return str(function(call_n)), f"{record['backend']}'s reference({call_n})"
    return str(record["expected"]), f"the value {record['backend']}'s threads had to agree on"


def content_problems(record: dict, path: str | Path, manifest_digests: Mapping[str, str]) -> list[str]:
    """Checks a schema cannot express; ``record`` already matches the schema."""
    found = []
    if record[SEAL_KEY] != record_digest(record):
        found.append(f"{SEAL_KEY} does not match the content: the file was edited after the trial wrote it")
    found.extend(path_problems(record, path))
    try:
        scenario = parse_scenario(record["scenario"])
    except ValueError as exc:
        return [*found, str(exc)]
    columns = {"tokens": list(scenario.tokens), **scenario.columns()}
    for key, value in columns.items():
        if record[key] != value:
            found.append(f"{key} is {record[key]!r} but scenario {scenario.name!r} means {value!r}")
    # Each call computes F(n / calls_per_thread): F(n) for the blog's one call per thread.
    calls = int(record.get("calls_per_thread", 1))
    if calls < 1 or record["n"] % calls:
        return [*found, f"calls_per_thread {calls} does not divide n = {record['n']}"]
    call_n = record["n"] // calls
    reference, named = reference_value(record, call_n)
    if record["expected"] != reference:
        found.append(f"expected is {record['expected']} but {named} = {reference}")
    if record["result"] != reference:
        found.append(f"result is {record['result']} but {named} = {reference}")
    threads = record["thread_records"]
    if [t["index"] for t in threads] != list(range(scenario.threads)):
        found.append(f"thread_records must be threads 0..{scenario.threads - 1} in order")
    for thread in threads:
        if thread["value"] != reference:
            found.append(f"thread {thread['index']} value {thread['value']} is not {named} = {reference}")
        if thread["end_ns"] < thread["start_ns"]:
            found.append(f"thread {thread['index']} ends before it starts")
    if [t["token"] for t in threads] != list(scenario.tokens):
        found.append("thread tokens do not follow the scenario's start order")
    if record["ended_at"] < record["started_at"]:
        found.append("ended_at is before started_at")
    found.extend(run_problems(record, scenario.threads))
    # A build for another interpreter is keyed "<interpreter>/<backend>" (rtg/plan/grid.py); the default one by backend.
    current = manifest_digests.get(f"{record.get('interpreter')}/{record['backend']}")
    current = current or manifest_digests.get(record["backend"])
    recorded = record["metadata"]["build_manifest_sha256"]
    if current is None:
        found.append(f"no build manifest of backend {record['backend']!r} is part of this aggregation")
    elif recorded != current:
        found.append(
            f"it was measured with build {recorded[:12]}, but the current {record['backend']} build is "
            f"{current[:12]}: trials of different builds are never mixed"
        )
    return found


def path_problems(record: Mapping, path: str | Path) -> list[str]:
    """A record must lie at the path its own values give (rtg/core/axes.py), every axis included.

    Below ``trials/`` that is ``<backend>/<scenario>/n<n>/rep<rep>.json``, at the
    blog's point of every mode axis, or ``<mode>/<interpreter>/`` above it.
    """
    parts = Path(path).as_posix().split("/")
    in_file = (record["backend"], record["scenario"], record["n"], record["rep"])
    tail = parts[-4:]
    if len(tail) < 4 or not (tail[2].startswith("n") and tail[3].startswith("rep") and tail[3].endswith(".json")):
        return ["the path is not <backend>/<scenario>/n<n>/rep<rep>.json"]
    try:
        in_path = (tail[0], tail[1], int(tail[2][1:]), int(tail[3][3:-5]))
    except ValueError:
        return ["the path is not <backend>/<scenario>/n<n>/rep<rep>.json"]
    if in_path != in_file:
        return [f"the file holds backend/scenario/n/rep {in_file} but its path says {in_path}"]
    above = parts[:-4]
    point = axes.point_of(record)
    if above and above[-1] == "trials":
        if not axes.at_default_mode(point):
            return [f"the file holds the axis point {axes.mode_segment(point)!r}, but its path is the blog's point's"]
    elif len(above) >= 3 and above[-3] == "trials":
        wanted = (axes.mode_segment(point), point[axes.INTERPRETER.field])
        if (above[-2], above[-1]) != wanted:
            return [f"the file holds axes {'/'.join(wanted)} but its path says {above[-2]}/{above[-1]}"]
    return []


def manifests_under(build_root: str | Path, paths: Iterable[str | Path] | None = None) -> dict[str, dict]:
    """Build manifests keyed as trials name their build: ``<backend>``, or ``<interpreter>/<backend>``
    (rtg/plan/grid.py).

    ``paths``: the manifest files (default: every ``manifest.json`` under ``build_root``).
    """
    root = Path(build_root)
    files = sorted(root.glob("**/manifest.json")) if paths is None else [Path(p) for p in paths]
    return {f.parent.relative_to(root).as_posix(): json.loads(f.read_text(encoding="utf-8")) for f in files}


def run_problems(record: dict, threads: int) -> list[str]:
    """The inner runs of a schema-2 record: all correct, one span per thread, and the medians they give."""
    runs = record.get("runs")
    if runs is None:
        return [] if record["schema_version"] == 1 else ["schema version 2 needs its list of runs"]
    found = []
    if record.get("run_count") != len(runs) or [r["run"] for r in runs] != list(range(1, len(runs) + 1)):
        found.append(f"runs must be numbered 1..run_count ({record.get('run_count')}), in order")
    for run in runs:
        if run["correct"] is not True:
            found.append(f"run {run['run']} computed a wrong value")
        if len(run["threads"]) != threads:
            found.append(f"run {run['run']} has {len(run['threads'])} thread spans, the scenario {threads}")
    # Runs set aside as disturbed (schema 3) are kept in the record but left out of its values.
    kept = [r for r in runs if not r.get("set_aside", False)]
    if any(r.get("set_aside") and not r.get("disturbed") for r in runs):
        found.append("a run was set aside that the disturbance rule let through")
    if kept and record["wall_s"] != statistics.median(r["wall_s"] for r in kept):
        found.append("wall_s is not the median of the kept runs' wall times")
    if record.get("serialized_runs") != sum(bool(r["serialized"]) for r in kept):
        found.append("serialized_runs does not count the serialized kept runs")
    for attempt in record.get("earlier_attempts") or []:
        if any(r.get("correct") is not True for r in attempt.get("runs") or []):
            found.append(f"attempt {attempt.get('attempt')} computed a wrong value")
    return found


def trial_problems(path: str | Path, manifest_digests: Mapping[str, str]) -> tuple[dict | None, list[str]]:
    """Load one trial file and list what is wrong with it (empty list: trustworthy)."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"cannot be read ({exc})"]
    except json.JSONDecodeError as exc:
        return None, [f"is not valid JSON ({exc}): truncated or corrupted"]
    found = schema_problems(record)
    if found:
        return None, found
    return record, content_problems(record, path, manifest_digests)


def read_checked(paths: Iterable[str | Path], manifest_digests: Mapping[str, str]) -> list[dict]:
    """Every trial record, each remembering its file; ``IntegrityError`` naming every bad file."""
    trials, bad = [], []
    for path in paths:
        record, found = trial_problems(path, manifest_digests)
        if found:
            bad.append(f"{path}: " + "; ".join(found))
        else:
            trials.append({**record, "trial_file": str(path)})
    if bad:
        raise IntegrityError(
            f"refusing to aggregate {len(bad)} trial file(s) that cannot be trusted:\n  "
            + "\n  ".join(bad)
            + "\nDelete each file named above and run snakemake again to redo those trials."
        )
    check_single_config(trials)
    return trials


def check_single_config(trials: list[dict]) -> None:
    """Refuse to pool trials measured under different settings (``MEASUREMENT_KEYS``)."""
    groups: dict[str, list[str]] = {}
    for trial in trials:
        groups.setdefault(trial["metadata"]["config_sha256"], []).append(trial["trial_file"])
    if len(groups) > 1:
        lines = [f"config {digest[:12]}: {len(files)} file(s), e.g. {files[0]}" for digest, files in groups.items()]
        raise IntegrityError(
            "refusing to mix trials measured under different settings of "
            f"{', '.join(MEASUREMENT_KEYS)}:\n  " + "\n  ".join(lines) + "\nRerun the trials of the setting you "
            "want (snakemake --forcerun trial) or restore the setting they were measured with."
        )


def missing_reason(log_file: Path) -> str:
    """Why a trial has no file: the telling line of its log, or that it never ran."""
    if not log_file.is_file():
        return "not run"
    lines = [line.strip() for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines()]
    for line in lines:
        if line.startswith("TIME LIMIT EXCEEDED"):
            return line[:200]
        if line.startswith("Timeout ("):
            return f"TIME LIMIT EXCEEDED (stopped by faulthandler while the GIL was held): {line}"
    for line in lines:
        if line.startswith("Fatal Python error"):
            return line[:200]
    errors = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception)\b.*:", line)]
    return errors[-1][:200] if errors else "failed or interrupted (see log)"


def trial_log(trial_file: str | Path) -> Path:
    """results/trials/<key>.json -> results/logs/trials/<key>.log (the trial rule's log)."""
    text = Path(trial_file).as_posix().replace("results/trials/", "results/logs/trials/", 1)
    return Path(text).with_suffix(".log")


def missing_cells(expected: Mapping[str, Mapping], present: Iterable[str | Path]) -> list[dict]:
    """One row per grid cell without a trial file (``MISSING_COLUMNS``), with the reason from its log.

    ``expected``: trial path -> its grid point (rtg/plan/grid.py ``trial_points``).
    """
    have = {Path(p).as_posix() for p in present}
    rows = []
    for name, point in expected.items():
        path = Path(name)
        if path.as_posix() in have:
            continue
        log_file = trial_log(path)
        rows.append(
            {
                "backend": point["backend"],
                "scenario": point["scenario"],
                "n": int(point["n"]),
                "rep": int(point["rep"]),
                "trial_file": path.as_posix(),
                "log_file": log_file.as_posix(),
                "reason": missing_reason(log_file),
            }
        )
    return rows


def inside_project(root: str | Path, value: str | Path, key: str) -> Path:
    """Resolve config path ``value`` against ``root``; ``ValueError`` if it leaves the project."""
    root = Path(root).resolve()
    resolved = (root / Path(value)).resolve()
    if resolved != root and root not in resolved.parents:
        raise ValueError(
            f"config key '{key}' = {str(value)!r} points outside the project ({root}); "
            "use a path inside it, e.g. under results/"
        )
    return resolved


def check_config_paths(config: Mapping, schema: Mapping, root: str | Path) -> None:
    """Every config value whose schema property says ``x-project-path: true`` must stay inside ``root``."""
    for key, spec in schema.get("properties", {}).items():
        if not spec.get("x-project-path") or config.get(key) is None:
            continue
        values = config[key] if isinstance(config[key], list) else [config[key]]
        for value in values:
            inside_project(root, value, key)
