"""Records on disk: sealed against edits, written atomically, tied to their build and settings.

Every stage that writes or reads a JSON record (trials, calibrations, cluster
groups, the aggregation) uses these, so a record means the same thing wherever
it is checked.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

SEAL_KEY = "record_sha256"
#: Config keys that change how a trial is measured but are neither part of its
#: path nor of the build manifest (flags are in the manifest). Trials that
#: differ here must not be pooled. Grid keys and axes (backends, n_values,
#: pin_threads, ...: rtg/core/axes.py) and report or aggregation options stay
#: out: raising repetitions must not make old trials incompatible. Add a key
#: here when a new one changes measurements.
MEASUREMENT_KEYS = ("isolate_trials", "inner_repetitions", "heartbeat")


def _canonical(payload: object) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def record_digest(record: Mapping) -> str:
    """sha256 of a trial record without its seal (floats round-trip exactly through JSON)."""
    return hashlib.sha256(_canonical({k: v for k, v in record.items() if k != SEAL_KEY})).hexdigest()


def seal(record: Mapping) -> dict:
    """A copy of ``record`` with ``record_sha256`` set: any later edit of the file breaks the seal."""
    return {**{k: v for k, v in record.items() if k != SEAL_KEY}, SEAL_KEY: record_digest(record)}


def config_digest(config: Mapping) -> str:
    """sha256 of the measurement settings (``MEASUREMENT_KEYS``) a trial ran under."""
    return hashlib.sha256(_canonical({key: config.get(key) for key in MEASUREMENT_KEYS})).hexdigest()


def manifest_digest(manifest: Mapping) -> str:
    """Stable hash of a build manifest, so trials of different builds are never mixed silently."""
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()


def write_atomically(path: Path, payload: dict) -> None:
    """Write JSON to a temporary sibling, fsync, then rename: nobody ever sees half a file, even after kill -9."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(payload, indent=1) + "\n")
        handle.flush()
        os.fsync(handle.fileno())  # the bytes reach the disk before the name does
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # and the rename survives a crash of the node
    finally:
        os.close(directory)
