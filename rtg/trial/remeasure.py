"""Measure a trial that stays disturbed again, in a new process, up to a limit.

Inside one process a trial already replaces its disturbed runs (rtg/trial/run.py).
When too few runs came through (``disturbed`` in its record), the disturbance
outlasted the trial, or the process itself was unlucky; the trial is then
measured again from scratch in a new interpreter, after the quiet gate, up to
``remeasure_limit`` more times, stopping at the first undisturbed attempt.
The record kept is that attempt, else the one with the most undisturbed runs
(the latest on a tie); every other attempt stays
in it under ``earlier_attempts`` with its runs and signals (nothing measured is
dropped).
"""

from __future__ import annotations

from collections.abc import Callable

#: What an earlier attempt keeps in the final record: its timings, runs and interference, not its metadata.
ATTEMPT_KEYS = (
    "wall_s",
    "started_at",
    "ended_at",
    "correct",
    "disturbed",
    "planned_runs",
    "run_count",
    "runs",
    "quiet_gate",
    "interference",
)


def undisturbed_runs(record: dict) -> int:
    """Runs of a record that the rule let through."""
    return sum(not run.get("disturbed", False) for run in record.get("runs", []))


def attempts(first: Callable[[], dict], again: Callable[[], dict], limit: int) -> dict:
    """``first()``, then ``again()`` while the latest record is disturbed and fewer than ``limit`` re-measurements ran.

    An incorrect record ends the loop at once: a wrong value fails the trial whatever the interference.
    """
    records = [first()]
    while records[-1].get("disturbed") and records[-1].get("correct", True) and len(records) <= limit:
        records.append(again())
    return chosen(records)


def chosen(records: list[dict]) -> dict:
    """The record to keep, with the others under ``earlier_attempts`` (in the order they ran)."""
    incorrect = [i for i, r in enumerate(records) if not r.get("correct", True)]
    if incorrect:
        keep = incorrect[0]
    else:
        keep = max(
            range(len(records)), key=lambda i: (not records[i].get("disturbed"), undisturbed_runs(records[i]), i)
        )
    kept = dict(records[keep])
    kept["attempt"] = keep + 1
    kept["attempts"] = len(records)
    kept["earlier_attempts"] = [
        {"attempt": i + 1, **{key: r.get(key) for key in ATTEMPT_KEYS}} for i, r in enumerate(records) if i != keep
    ]
    return kept
