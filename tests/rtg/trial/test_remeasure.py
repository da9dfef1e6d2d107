"""Measuring a trial that stays disturbed again: which attempts run, which record is kept."""

from __future__ import annotations

import itertools

from rtg.trial import remeasure


def record(disturbed: bool, undisturbed: int = 3, disturbed_runs: int = 0, correct: bool = True, tag: str = "") -> dict:
    """A trial record reduced to what the re-measurement looks at (plain values, not a mock)."""
    runs = [{"run": i + 1, "disturbed": False} for i in range(undisturbed)]
    runs += [{"run": undisturbed + i + 1, "disturbed": True} for i in range(disturbed_runs)]
    return {
        "tag": tag,
        "disturbed": disturbed,
        "correct": correct,
        "wall_s": 0.1,
        "planned_runs": undisturbed + disturbed_runs,
        "run_count": len(runs),
        "runs": runs,
        "quiet_gate": [{"waited_s": 0.1, "windows": 1, "calm": True}],
        "interference": {"cause": "hypervisor steal" if disturbed else None},
        "metadata": {"host": "h"},
    }


class Attempts:
    """Hands out the given records one call at a time and counts the calls."""

    def __init__(self, *records: dict):
        self.records = iter(records)
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        return next(self.records)


def test_an_undisturbed_first_attempt_is_kept_alone():
    again = Attempts()
    kept = remeasure.attempts(lambda: record(False, tag="first"), again, limit=2)
    assert again.calls == 0
    assert kept["tag"] == "first"
    assert (kept["attempt"], kept["attempts"], kept["earlier_attempts"]) == (1, 1, [])


def test_a_disturbed_trial_is_measured_again_until_one_attempt_comes_through():
    again = Attempts(record(True, 1, 2, tag="second"), record(False, tag="third"), record(False, tag="never"))
    kept = remeasure.attempts(lambda: record(True, 0, 3, tag="first"), again, limit=5)
    assert again.calls == 2
    assert kept["tag"] == "third"
    assert (kept["attempt"], kept["attempts"]) == (3, 3)
    assert [a["attempt"] for a in kept["earlier_attempts"]] == [1, 2]


def test_never_more_than_the_limit_of_new_attempts():
    for limit in (0, 1, 3):
        again = Attempts(*(record(True, 0, 3, tag=f"again{i}") for i in range(10)))
        kept = remeasure.attempts(lambda: record(True, 0, 3, tag="first"), again, limit=limit)
        assert again.calls == limit
        assert kept["attempts"] == limit + 1
        assert len(kept["earlier_attempts"]) == limit


def test_an_incorrect_record_ends_the_attempts_and_is_kept():
    again = Attempts(record(True, 0, 3, correct=False, tag="wrong"), record(False, tag="never"))
    kept = remeasure.attempts(lambda: record(True, 0, 3, tag="first"), again, limit=5)
    assert again.calls == 1
    assert kept["tag"] == "wrong" and kept["correct"] is False
    first_wrong = remeasure.attempts(lambda: record(True, 0, 3, correct=False, tag="first"), Attempts(), limit=5)
    assert first_wrong["tag"] == "first" and first_wrong["attempts"] == 1


def test_when_every_attempt_stays_disturbed_the_one_with_most_undisturbed_runs_is_kept():
    kept = remeasure.chosen([record(True, 1, 4, tag="a"), record(True, 2, 3, tag="b"), record(True, 0, 5, tag="c")])
    assert kept["tag"] == "b" and kept["attempt"] == 2
    # On a tie, the later attempt: it ran last, after the most waiting for calm.
    tie = remeasure.chosen([record(True, 2, 3, tag="a"), record(True, 2, 3, tag="b")])
    assert tie["tag"] == "b"


def test_the_first_undisturbed_attempt_wins_over_more_runs_in_a_disturbed_one():
    kept = remeasure.chosen([record(True, 9, 1, tag="many"), record(False, 2, 0, tag="few")])
    assert kept["tag"] == "few"


def test_nothing_measured_is_dropped_and_earlier_attempts_keep_no_metadata():
    records = [record(True, 0, 3, tag="a"), record(True, 1, 2, tag="b"), record(False, tag="c")]
    kept = remeasure.chosen(records)
    total = len(kept["runs"]) + sum(len(a["runs"]) for a in kept["earlier_attempts"])
    assert total == sum(len(r["runs"]) for r in records)
    for earlier, original in zip(kept["earlier_attempts"], records[:2], strict=True):
        assert set(earlier) == {"attempt", *remeasure.ATTEMPT_KEYS}
        assert earlier["runs"] == original["runs"] and earlier["quiet_gate"] == original["quiet_gate"]
        assert "metadata" not in earlier and "tag" not in earlier
    assert records[2].get("attempt") is None  # the records handed in are not changed


def test_the_kept_attempt_number_and_the_earlier_ones_partition_the_attempts():
    for flags in itertools.product((True, False), repeat=3):
        kept = remeasure.chosen([record(d, 1 if d else 3, 2 if d else 0) for d in flags])
        numbers = sorted([kept["attempt"], *(a["attempt"] for a in kept["earlier_attempts"])])
        assert numbers == [1, 2, 3]
        if not all(flags):  # an undisturbed attempt always wins (attempts() stops at the first one)
            assert kept["disturbed"] is False


def test_undisturbed_runs_counts_what_the_rule_let_through():
    assert remeasure.undisturbed_runs(record(True, 2, 3)) == 2
    assert remeasure.undisturbed_runs({"runs": [{"run": 1}]}) == 1  # a run without the flag (schema 2)
    assert remeasure.undisturbed_runs({}) == 0
