"""The executor and interpreter columns of the aggregated tables."""

from rtg.collect import aggregate


def _trial(**extra):
    return {
        "backend": "ctypes",
        "scenario": "gil",
        "threads": 1,
        "gil_mode": "gil",
        "start_order": "none",
        "n": 5,
        "rep": 1,
        "wall_s": 0.1,
        "result": "5",
        "correct": True,
        "thread_records": [
            {"index": 0, "token": "gil", "start_ns": 0, "end_ns": 1, "cpu_s": 0.1, "correct": True, "cpu": None}
        ],
        "metadata": {
            "host": "h",
            "cpu_model": "c",
            "logical_cpus": 2,
            "python_version": "3.11.7",
            "python_implementation": "CPython",
            "loadavg_before": [0.1],
            "loadavg_after": [0.2],
            "build_manifest_sha256": "x",
        },
        **extra,
    }


def test_axes_columns_in_both_tables():
    trials = [_trial(executor="processes", interpreter="cpython-3.12.1"), _trial()]
    timings = aggregate.timings_table(trials)
    threads = aggregate.threads_table(trials)
    for table in (timings, threads):
        assert list(table[["executor", "interpreter"]].itertuples(index=False, name=None)) == [
            ("processes", "cpython-3.12.1"),
            ("threads", "cpython-3.11.7"),  # a record from before the axes: threads, its own Python
        ]


def test_runs_table_has_one_row_per_run_with_each_threads_span():
    pair = _trial(
        scenario="nogil+gil",
        threads=2,
        thread_records=[
            {"index": 0, "token": "nogil", "start_ns": 0, "end_ns": 900, "cpu_s": 5e-7, "correct": True, "cpu": 0},
            {"index": 1, "token": "gil", "start_ns": 100, "end_ns": 700, "cpu_s": 6e-7, "correct": True, "cpu": 1},
        ],
        runs=[
            {"run": 1, "wall_s": 1e-6, "cpu_s": 1e-6, "started_at": 5.0, "pinned": True, "serialized": False,
             "threads": [[0, 900, 5e-7], [100, 700, 6e-7]], "correct": True},
            {"run": 2, "wall_s": 2e-6, "cpu_s": 1e-6, "started_at": 6.0, "pinned": True, "serialized": True,
             "threads": [[0, 500, 4e-7], [600, 1200, 6e-7]], "correct": True},
        ],
    )  # fmt: skip
    runs = aggregate.runs_table([pair, _trial()])
    assert list(runs["run"]) == [1, 1, 2]  # sorted by scenario ("gil" first), then run
    mine = runs[runs["scenario"] == "nogil+gil"]
    assert list(mine["serialized"]) == [False, True]
    assert list(mine["thread0_end_ns"]) == [500, 400]  # busy ends: start + CPU time of the call
    assert list(mine["thread1_start_ns"]) == [100, 600]
    single = runs[runs["scenario"] == "gil"]  # a record from before inner runs is its own single run
    assert single["thread1_start_ns"].isna().all() and single["serialized"].tolist() == [False]
    timings = aggregate.timings_table([pair])
    assert timings.loc[0, "runs"] == 2 and timings.loc[0, "serialized_runs"] == 1
