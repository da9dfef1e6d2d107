"""bench/pipeline.py's helpers on tiny known inputs (the benchmark itself is not a test)."""

import pytest

from bench import pipeline

DRY_RUN_OUTPUT = """Building DAG of jobs...
Job stats:
job                  count
-----------------  -------
aggregate                1
all                      1
build                    2
trial                10080
total                10084

Reasons:
"""


def test_overhead_is_the_difference_of_untimed_time_per_extra_trial():
    small = pipeline.GridRun(wall_s=20.0, timed_s=1.0, trials=12, cpu_s=10.0, timed_cpu_s=1.5)
    large = pipeline.GridRun(wall_s=29.5, timed_s=2.5, trials=30, cpu_s=14.0, timed_cpu_s=3.0)
    # untimed: 19.0 and 27.0 -> 8.0 s over 18 extra trials
    assert pipeline.overhead_per_trial(small, large) == pytest.approx(8.0 / 18)
    # untimed CPU: 8.5 and 11.0 -> 2.5 s over 18 extra trials
    assert pipeline.overhead_per_trial(small, large, cpu=True) == pytest.approx(2.5 / 18)
    with pytest.raises(ValueError):
        pipeline.overhead_per_trial(large, small)


def test_timed_total_sums_wall_s(tmp_path):
    csv = tmp_path / "timings.csv"
    csv.write_text("backend,scenario,wall_s,cpu_s,result\ncython,gil,0.25,0.25,1\nnumba,nogil+nogil,0.5,1.0,2\n")
    total, trials, cpu = pipeline.timed_total(csv)
    assert total == pytest.approx(0.75)
    assert trials == 2
    assert cpu == pytest.approx(1.25)


def test_children_cpu_counts_a_finished_child():
    import subprocess
    import sys

    before = pipeline.children_cpu_s()
    subprocess.run([sys.executable, "-c", "sum(range(3_000_000))"], check=True)
    assert pipeline.children_cpu_s() > before


def test_job_counts_parses_snakemake_job_stats():
    counts = pipeline.job_counts(DRY_RUN_OUTPUT)
    assert counts == {"aggregate": 1, "all": 1, "build": 2, "trial": 10080, "total": 10084}
    assert pipeline.job_counts("Nothing to be done.") == {}


def test_dry_run_grid_reaches_the_target():
    n_values, repetitions = pipeline.dry_run_grid(10_000)
    assert len(n_values) == 10 and len(set(n_values)) == 10
    assert 2 * 6 * len(n_values) * repetitions >= 10_000
    assert 2 * 6 * len(n_values) * (repetitions - 1) < 10_000


def test_markdown_table():
    text = pipeline.markdown_table(["a", "b"], [["x", 0.12345], [1, 2]])
    assert text.splitlines() == ["| a | b |", "| --- | --- |", "| x | 0.123 |", "| 1 | 2 |"]


def test_median_gap_between_consecutive_trials(tmp_path):
    csv = tmp_path / "timings.csv"
    rows = [(10.0, 10.5), (10.9, 11.0), (11.3, 11.4), (13.4, 13.5)]  # gaps 0.4, 0.3, 2.0 (another job ran)
    csv.write_text("started_at,ended_at\n" + "".join(f"{a},{b}\n" for a, b in reversed(rows)))
    assert pipeline.median_gap(csv) == pytest.approx(0.4)
