"""Integrity checks on real trial records (a really compiled Cython kernel), then tampered with."""

import json
import statistics
from pathlib import Path

import pytest

import kernels
from rtg.collect import integrity
from rtg.core import records
from rtg.core.records import manifest_digest, write_atomically
from rtg.core.scenarios import parse
from rtg.trial.run import TrialPlan, run_trial

CONFIG = {"pin_threads": True, "isolate_trials": True, "repetitions": 3}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    build_dir = tmp_path_factory.mktemp("cython-build")
    manifest = kernels.load("cython").build(build_dir, ["-O2", "-funroll-loops"])
    return build_dir, manifest


def real_trial(built, scenario="nogil+gil", n=20_000, rep=1, config=CONFIG) -> dict:
    build_dir, manifest = built
    record = run_trial(TrialPlan(backend="cython", scenario=parse(scenario), n=n, rep=rep), build_dir, manifest)
    record["metadata"]["config_sha256"] = records.config_digest(config)
    return records.seal(record)


def write_trial(root: Path, record: dict) -> Path:
    path = root / "results" / "trials" / "cython" / record["scenario"] / f"n{record['n']}" / f"rep{record['rep']}.json"
    write_atomically(path, record)
    return path


@pytest.fixture
def digests(built):
    return {"cython": manifest_digest(built[1])}


def refused(paths, digests) -> str:
    with pytest.raises(integrity.IntegrityError) as caught:
        integrity.read_checked(paths, digests)
    return str(caught.value)


def test_a_real_sealed_trial_is_accepted(built, digests, tmp_path):
    path = write_trial(tmp_path, real_trial(built))
    (trial,) = integrity.read_checked([path], digests)
    assert trial["trial_file"] == str(path)
    assert trial["correct"] is True


def test_a_truncated_file_is_refused_naming_it(built, digests, tmp_path):
    good = write_trial(tmp_path, real_trial(built, rep=1))
    bad = write_trial(tmp_path, real_trial(built, rep=2))
    bad.write_bytes(bad.read_bytes()[:200])
    message = refused([good, bad], digests)
    assert f"{bad}: is not valid JSON" in message
    assert str(good) not in message
    assert "Delete each file named above" in message


def test_a_hand_edited_timing_breaks_the_seal(built, digests, tmp_path):
    path = write_trial(tmp_path, real_trial(built))
    record = json.loads(path.read_text())
    record["wall_s"] = record["wall_s"] / 2  # "improve" the result by hand
    path.write_text(json.dumps(record, indent=1))
    assert f"{path}: record_sha256 does not match the content" in refused([path], digests)


def test_a_wrong_value_is_refused_even_when_resealed(built, digests, tmp_path):
    record = real_trial(built)
    record["result"] = record["thread_records"][0]["value"] = "12345"
    path = write_trial(tmp_path, records.seal(record))
    message = refused([path], digests)
    assert f"{path}:" in message
    assert "result is 12345 but F(20000) mod 2^64" in message
    assert "thread 0 value 12345" in message


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda r: r.update(correct=False), "correct: True was expected"),
        (lambda r: r["metadata"].pop("config_sha256"), "'config_sha256' is a required property"),
        (lambda r: r.update(wall_s="fast"), "wall_s: 'fast' is not of type 'number'"),
        (lambda r: r.update(n=-3), "n: -3 is less than the minimum of 1"),
        (lambda r: r["thread_records"][1].update(correct=False), "thread_records/1/correct"),
        (lambda r: r.update(gil_mode="gil"), "gil_mode is 'gil' but scenario 'nogil+gil' means 'mixed'"),
        # The inner runs (schema 2): the per-process value must be what its runs give.
        (lambda r: r.update(wall_s=r["wall_s"] * 0.5), "wall_s is not the median of the kept runs' wall times"),
        (lambda r: r["runs"][0].update(serialized=not r["runs"][0]["serialized"]), "serialized_runs does not count"),
        (lambda r: r["runs"][0].update(correct=False), "runs/0/correct"),
        (lambda r: r.pop("runs"), "'runs' is a required property"),
        (lambda r: r["runs"][1].update(run=7), "runs must be numbered 1..run_count"),
        (lambda r: r["runs"][0]["threads"].pop(), "run 1 has 1 thread spans, the scenario 2"),
    ],
)
def test_schema_and_content_violations_are_refused(built, digests, tmp_path, edit, expected):
    record = real_trial(built)
    edit(record)
    path = write_trial(tmp_path, records.seal(record))
    message = refused([path], digests)
    assert f"{path}:" in message
    assert expected in message


def test_a_file_moved_to_another_cell_is_refused(built, digests, tmp_path):
    path = write_trial(tmp_path, real_trial(built, rep=1))
    moved = path.with_name("rep7.json")
    path.rename(moved)
    assert "its path says ('cython', 'nogil+gil', 20000, 7)" in refused([moved], digests)


def test_a_trial_of_another_build_is_never_mixed_in(built, tmp_path):
    path = write_trial(tmp_path, real_trial(built))
    message = refused([path], {"cython": "0" * 64})
    assert f"{path}: it was measured with build" in message
    assert "trials of different builds are never mixed" in message


def test_trials_of_different_measurement_settings_are_not_pooled(built, digests, tmp_path):
    first = write_trial(tmp_path, real_trial(built, rep=1))
    other = write_trial(tmp_path, real_trial(built, rep=2, config={**CONFIG, "isolate_trials": False}))
    message = refused([first, other], digests)
    assert "different settings of isolate_trials, inner_repetitions" in message


def test_the_config_hash_ignores_grid_and_report_keys():
    base = records.config_digest(CONFIG)
    assert records.config_digest({**CONFIG, "repetitions": 9, "n_values": [5], "allow_partial": True}) == base
    assert records.config_digest({**CONFIG, "isolate_trials": False}) != base
    # pin_threads is an axis of the grid (rtg/core/axes.py): its value is in each trial's path and record.
    assert records.config_digest({**CONFIG, "pin_threads": [True, False]}) == base


def test_missing_cells_are_listed_with_the_reason_from_their_logs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    grid = {
        f"results/trials/cython/gil/n10/rep{rep}.json": {"backend": "cython", "scenario": "gil", "n": 10, "rep": rep}
        for rep in (1, 2, 3, 4)
    }
    logs = tmp_path / "results" / "logs" / "trials" / "cython" / "gil" / "n10"
    logs.mkdir(parents=True)
    (logs / "rep2.log").write_text("watchdog: ...\nTIME LIMIT EXCEEDED: trial x ran longer\n")
    (logs / "rep3.log").write_text("start\nFatal Python error: Aborted\n\nstack\n")
    rows = integrity.missing_cells(grid, present=[next(iter(grid))])
    assert [row["rep"] for row in rows] == [2, 3, 4]
    assert rows[0]["reason"].startswith("TIME LIMIT EXCEEDED")
    assert rows[1]["reason"] == "Fatal Python error: Aborted"
    assert rows[2]["reason"] == "not run"
    assert rows[0]["log_file"] == "results/logs/trials/cython/gil/n10/rep2.log"
    assert list(rows[0]) == integrity.MISSING_COLUMNS


@pytest.mark.parametrize("value", ["../elsewhere", "/etc/passwd", "results/../../x"])
def test_config_paths_outside_the_project_are_refused(tmp_path, value):
    with pytest.raises(ValueError, match="config key 'out' .* points outside the project"):
        integrity.inside_project(tmp_path, value, "out")


def test_config_paths_inside_the_project_are_accepted(tmp_path):
    assert integrity.inside_project(tmp_path, "results/report.html", "out") == tmp_path / "results" / "report.html"
    schema = {"properties": {"out": {"type": "string", "x-project-path": True}, "name": {"type": "string"}}}
    integrity.check_config_paths({"out": "results/x", "name": "../not-a-path"}, schema, tmp_path)
    with pytest.raises(ValueError, match="'out'"):
        integrity.check_config_paths({"out": "../x"}, schema, tmp_path)


def test_a_record_must_lie_at_the_path_its_own_axis_values_give():
    """One check for every axis, the interpreter included: a file moved between axis folders is refused."""
    record = {
        "backend": "cython", "scenario": "gil", "n": 10, "rep": 1, "executor": "threads",
        "interpreter": "cpython-3.11.7", "calls_per_thread": 1, "switch_interval_ms": 5.0, "pin_threads": True,
        "metadata": {},
    }  # fmt: skip
    unpinned = {**record, "pin_threads": False}
    assert integrity.path_problems(record, "results/trials/cython/gil/n10/rep1.json") == []
    assert (
        integrity.path_problems(unpinned, "results/trials/threads-pin0/cpython-3.11.7/cython/gil/n10/rep1.json") == []
    )
    [moved_to_default] = integrity.path_problems(unpinned, "results/trials/cython/gil/n10/rep1.json")
    assert "threads-pin0" in moved_to_default
    [other_mode] = integrity.path_problems(
        record, "results/trials/threads-pin0/cpython-3.11.7/cython/gil/n10/rep1.json"
    )
    assert "threads/cpython-3.11.7" in other_mode and "threads-pin0/cpython-3.11.7" in other_mode
    [other_interpreter] = integrity.path_problems(
        {**record, "interpreter": "cpython-3.13.5t"}, "results/trials/threads/cpython-3.11.7/cython/gil/n10/rep1.json"
    )
    assert "cpython-3.13.5t" in other_interpreter


# Interference (record schema 3): runs set aside as disturbed stay in the record, out of its values.


def gated_trial(built, scenario="nogil+gil", rep=1) -> dict:
    """A real trial whose quiet gate waits at most half a second (the checks below edit its runs)."""
    build_dir, manifest = built
    plan = TrialPlan("cython", parse(scenario), n=20_000, rep=rep, inner_repetitions=5, quiet_wait_limit_s=0.5)
    record = run_trial(plan, build_dir, manifest)
    record["metadata"]["config_sha256"] = records.config_digest(CONFIG)
    return record


def set_aside_first(record: dict, disturbed: bool = True) -> dict:
    """Set the first run aside (as the trial would a disturbed one) and give the record the values of the rest."""
    runs = record["runs"]
    for run in runs:
        run["set_aside"] = False
    runs[0].update(disturbed=disturbed, set_aside=True)
    kept = [r for r in runs if not r["set_aside"]]
    record["wall_s"] = statistics.median(r["wall_s"] for r in kept)
    record["serialized_runs"] = sum(r["serialized"] for r in kept)
    return record


def test_a_real_schema_3_trial_with_a_disturbed_run_set_aside_is_accepted(built, digests, tmp_path):
    record = gated_trial(built)
    assert record["schema_version"] == 3
    path = write_trial(tmp_path, records.seal(set_aside_first(record)))
    (trial,) = integrity.read_checked([path], digests)
    assert trial["runs"][0]["set_aside"] is True


def test_a_run_set_aside_that_the_rule_let_through_is_refused(built, digests, tmp_path):
    # Setting aside an undisturbed run would pick the runs the values rest on: never allowed.
    path = write_trial(tmp_path, records.seal(set_aside_first(gated_trial(built), disturbed=False)))
    assert "a run was set aside that the disturbance rule let through" in refused([path], digests)


def test_wall_s_must_be_the_median_of_the_kept_runs_not_of_all(built, digests, tmp_path):
    record = set_aside_first(gated_trial(built))
    record["runs"][0]["wall_s"] = 1000.0  # the disturbed run was slow; the median of all runs would differ
    every = statistics.median(r["wall_s"] for r in record["runs"])
    kept = statistics.median(r["wall_s"] for r in record["runs"][1:])
    assert every != kept
    record["wall_s"] = every
    path = write_trial(tmp_path, records.seal(record))
    assert "wall_s is not the median of the kept runs' wall times" in refused([path], digests)


def test_serialized_runs_counts_only_the_kept_runs(built, digests, tmp_path):
    record = set_aside_first(gated_trial(built))
    record["runs"][0]["serialized"] = True
    record["serialized_runs"] = sum(r["serialized"] for r in record["runs"])  # the set-aside run counted too
    path = write_trial(tmp_path, records.seal(record))
    assert "serialized_runs does not count the serialized kept runs" in refused([path], digests)


def test_an_earlier_attempt_with_a_wrong_value_is_refused(built, digests, tmp_path):
    record = gated_trial(built)
    earlier = {"attempt": 1, "disturbed": True, "runs": [{**r, "correct": False} for r in record["runs"]]}
    record.update(attempt=2, attempts=2, earlier_attempts=[earlier])
    path = write_trial(tmp_path, records.seal(record))
    assert "attempt 1 computed a wrong value" in refused([path], digests)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda r: r.pop("interference"), "'interference' is a required property"),
        (lambda r: r.pop("quiet_gate"), "'quiet_gate' is a required property"),
        (lambda r: r["interference"].update(cause="the weather"), "interference/cause"),
        (lambda r: r["runs"][0]["signals"][0].__setitem__(0, -0.1), "runs/0/signals/0/0"),
        (lambda r: r["runs"][0]["signals"].__setitem__(0, [0.0, 0.0]), "runs/0/signals/0"),
    ],
)
def test_schema_3_interference_fields_are_checked(built, digests, tmp_path, edit, expected):
    record = gated_trial(built)
    edit(record)
    path = write_trial(tmp_path, records.seal(record))
    assert expected in refused([path], digests)
