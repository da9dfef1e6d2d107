"""The executor and interpreter columns of the aggregated tables."""

from rtg import aggregate


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
