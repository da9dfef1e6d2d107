"""The report written from modelled runs: self-contained HTML, Markdown, CSVs."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from rtg import report
from rtg.analysis import claims
from rtg.figures import blog as figures
from tests.rtg.synthetic import simulate

ENVIRONMENT = {
    "manifests": {"cython": {"cflags": ["-O2", "-funroll-loops"], "cython_version": "3.3.1"}},
    "config": {"cython_cflags": ["-O2", "-funroll-loops"], "repetitions": 5},
    "metadata": {
        "cpu_model": "Model CPU",
        "logical_cpus": 2,
        "python_version": "3.11.7",
        "packages": {"numba": "0.68.1"},
    },
}


def write_report(tmp_path, timings, threads, safety=None):
    timings.to_csv(tmp_path / "timings.csv", index=False)
    threads.to_csv(tmp_path / "threads.csv", index=False)
    (tmp_path / "environment.json").write_text(json.dumps(ENVIRONMENT))
    out = {
        "summary": tmp_path / "summary.csv",
        "claims": tmp_path / "claims.csv",
        "markdown": tmp_path / "report.md",
        "html": tmp_path / "report.html",
    }
    figure_paths = {name: tmp_path / "figures" / f"{name}.png" for name in figures.FIGURES}
    safety_csv = None
    if safety is not None:
        safety_csv = tmp_path / "safety.csv"
        safety.to_csv(safety_csv, index=False)
    report.write(
        tmp_path / "timings.csv",
        tmp_path / "threads.csv",
        tmp_path / "environment.json",
        out,
        figure_paths,
        safety_csv=safety_csv,
    )
    return out, figure_paths


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    timings, threads = simulate(repetitions=5)
    return write_report(tmp, timings, threads)


def test_html_is_self_contained_with_every_figure_embedded(written):
    out, figure_paths = written
    html = out["html"].read_text(encoding="utf-8")
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == len(figures.FIGURES)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html and "<link" not in html
    for path in figure_paths.values():
        assert path.read_bytes()[:4] == b"\x89PNG"


def test_html_reads_top_to_bottom(written):
    html = written[0]["html"].read_text(encoding="utf-8")
    order = [
        html.index(f'id="{section}"')
        for section in ("answer", "flags", "claims", "figures", "start-order", "summary", "environment")
    ]
    assert order == sorted(order)
    assert "bought true parallelism" in html
    assert "Start order matters" in html
    assert "Model CPU" in html and "-O2 -funroll-loops" in html


def test_answer_is_three_sentences_with_cis():
    timings, threads = simulate(repetitions=5)
    parts = report.build(timings, threads, ENVIRONMENT)
    sentences = report.answer(parts["summary"], parts["claims"], parts["flags"], parts["order_tests"], "a machine")
    assert len(sentences) == 3
    assert all(s.endswith(".") for s in sentences)
    assert re.search(r"Cython 1\.0\d× \[\d\.\d\d–\d\.\d\d\]", sentences[0])


def test_a_missing_baseline_is_named_not_the_scenario_that_ran():
    timings, threads = simulate(backends=("cython",), scenarios=("gil", "gil+gil", "nogil+gil"), repetitions=3)
    parts = report.build(timings, threads, ENVIRONMENT)
    first, second, *_ = report.answer(
        parts["summary"], parts["claims"], parts["flags"], parts["order_tests"], "a machine"
    )
    assert first == (
        "On a machine, the nogil+gil scenario (the blog's parallel case) ran, but not its baseline, the single call "
        "nogil: add nogil to scenarios to get the ratio to one call."
    )
    assert second == "The gil+nogil scenario (the start-order case) was not measured."


def test_answer_speaks_of_threads_and_releasing_backends_only():
    # A processes executor (start-up dominated) and the pure-Python control must not
    # blur the answer: it reports the blog's setting, the rest stays in the tables.
    parts_in = []
    for executor, seed in (("threads", 1), ("processes", 2)):
        t, h = simulate(
            backends=("cython", "python"),
            repetitions=5,
            seed=seed,
            ns_per_iter={"python": 30.0},
            extra_columns={"executor": executor},
        )
        parts_in.append((t, h.assign(executor=executor)))
    timings = pd.concat([p[0] for p in parts_in], ignore_index=True)
    threads = pd.concat([p[1] for p in parts_in], ignore_index=True)
    parts = report.build(timings, threads, ENVIRONMENT)
    sentences = report.answer(parts["summary"], parts["claims"], parts["flags"], parts["order_tests"], "a machine")
    assert sentences[0].count("Cython ") == 2  # nogil+gil and gil+gil, threads only
    assert "Python " not in sentences[0]


def test_markdown_and_csv_outputs(written):
    out, _ = written
    md = out["markdown"].read_text(encoding="utf-8")
    for heading in ("## Flags", "## Claims", "## Start order", "## Summary per cell"):
        assert heading in md
    summary = pd.read_csv(out["summary"])
    assert len(summary) == 24
    for column in (
        "wall_median",
        "wall_iqr",
        "wall_min",
        "wall_max",
        "wall_ci_low",
        "wall_ci_high",
        "wall_cv",
        "wall_outliers",
        "cpu_median",
        "overlap_fraction_median",
        "parallel_efficiency_median",
        "ns_per_iter_median",
        "start_delay_ms_median",
        "ratio",
        "ratio_ci_low",
        "ratio_ci_high",
    ):
        assert column in summary.columns, column
    table = pd.read_csv(out["claims"])
    assert set(table["claim"]) == {1, 2, 3, 4, 5, 6}
    assert set(table["verdict"]) <= set(claims.VERDICTS)


def test_safety_csv_judges_claim_6(tmp_path):
    timings, threads = simulate(backends=("numba",), scenarios=("gil", "gil+gil"), repetitions=3)
    safety = pd.DataFrame(
        [
            ("numba", "Numba 0.68.1", "recursive_nogil_jit", "ok", 0, "", ""),
            ("cython", "Cython 3.3.1", "nested_with_nogil", "compile_error", 1, "", "refused"),
        ],
        columns=["backend", "toolchain", "case", "outcome", "returncode", "signal", "detail"],
    )
    out, _ = write_report(tmp_path, timings, threads, safety)
    six = pd.read_csv(out["claims"]).query("claim == 6").set_index("backend")["verdict"]
    assert six.to_dict() == {"cython": claims.NOT_REPRODUCED, "numba": claims.REPRODUCED}


def test_markdown_table_escapes_pipes():
    text = report.markdown_table(pd.DataFrame({"a|b": ["x|y"], "c": ["line\nbreak"]}))
    assert text.splitlines()[0] == "| a\\|b | c |"
    assert text.splitlines()[2] == "| x\\|y | line break |"
    assert report.markdown_table(pd.DataFrame()) == "_(none)_\n"


def test_spans_merge_repeated_claims():
    rows = [{"#": "1", "claim": "a"}, {"#": "1", "claim": "a"}, {"#": "2", "claim": "b"}]
    assert [r["_span"] for r in report.with_spans(rows, ("#", "claim"))] == [2, 0, 1]


def test_flag_digest_counts_cells_per_kind():
    flags = pd.DataFrame(
        [("warning", "noisy cell", f"c{i}", "CV 20%") for i in range(8)] + [("info", "outliers", "c1", "1")],
        columns=["severity", "kind", "cell", "message"],
    )
    groups = report.group_flags(flags, max_cells=3)
    assert groups[0]["count"] == 8 and groups[0]["cells"] == "c0, c1, c2 and 5 more"
    assert groups[1]["kind"] == "outliers"


def test_answer_refuses_to_judge_when_the_serial_control_fails():
    timings, threads = simulate(repetitions=5)
    # A busy machine: single calls slowed 2x, so two GIL-holding threads look like 1x.
    single = timings["threads"] == 1
    timings.loc[single, "wall_s"] *= 2
    parts = report.build(timings, threads, ENVIRONMENT)
    first, second, _ = report.answer(parts["summary"], parts["claims"], parts["flags"], parts["order_tests"], "m")
    assert "cannot say what releasing the GIL bought" in first
    assert "no evidence either way" in second
    assert "bought true parallelism" not in first


def test_parallel_verdict_rules():
    row = pd.Series
    parallel = row({"ratio": 1.0, "ratio_ci_low": 0.98, "ratio_ci_high": 1.02})
    serial = row({"ratio": 2.0, "ratio_ci_low": 1.9, "ratio_ci_high": 2.1})
    wide = row({"ratio": 1.4, "ratio_ci_low": 0.9, "ratio_ci_high": 2.1})
    assert report.parallel_verdict(parallel, serial) == "yes"
    assert report.parallel_verdict(serial, serial) == "no"
    assert report.parallel_verdict(wide, serial) == "unclear"
    assert report.parallel_verdict(parallel, wide) == "control failed"
    assert report.parallel_verdict(parallel, None) == "yes"


@pytest.mark.parametrize(
    "grid",
    [
        {"backends": ("cython",), "scenarios": ("gil", "nogil", "nogil+gil"), "repetitions": 1},
        {"backends": ("numba",), "scenarios": ("gil",), "repetitions": 2},
        {"backends": ("cython", "numba"), "scenarios": ("gil+gil", "nogil+nogil"), "repetitions": 3},
    ],
    ids=["one-rep", "one-scenario", "no-single-thread"],
)
def test_small_and_odd_grids_still_give_a_whole_report(tmp_path, grid):
    timings, threads = simulate(**grid)
    out, _ = write_report(tmp_path, timings, threads)
    html = out["html"].read_text(encoding="utf-8")
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == len(figures.FIGURES)
    assert len(pd.read_csv(out["claims"])) >= 6


def test_where_trials_ran_tells_local_from_slurm():
    import pandas as pd

    from rtg.report.environment import where_trials_ran

    local = pd.DataFrame({"host": ["a", "a"], "slurm_job_id": [None, None], "slurm_node": [None, None]})
    assert where_trials_ran(local) == [("trials on a", "2 trials, run locally (not under Slurm)")]
    cluster = pd.DataFrame({"host": ["n1", "n1", "n2"], "slurm_job_id": [11, 12, 13], "slurm_node": ["n1", "n1", "n2"]})
    rows = dict(where_trials_ran(cluster))
    assert rows["trials on n1"] == "2 trials; 2 under Slurm (2 jobs, node n1)"
    assert rows["trials on n2"] == "1 trials; 1 under Slurm (1 jobs, node n2)"


def test_cycles_table_is_shown_with_its_flag():
    import pandas as pd

    from rtg.report.cycles import cycles_display

    cycles = pd.DataFrame(
        {
            "backend": ["numba"],
            "scenario": ["gil"],
            "n": [10**9],
            "trials": [5],
            "ns_per_iteration": [0.243],
            "cycles_per_iteration": [1.02],
            "cycles_per_iteration_cpu": [1.01],
            "flagged": [False],
        }
    )
    shown = cycles_display(cycles)
    assert shown.iloc[0].to_dict() == {
        "backend": "numba",
        "scenario": "gil",
        "n": "1,000,000,000",
        "trials": 5,
        "ns/iteration": "0.243",
        "cycles/iteration": "1.02",
        "by CPU time": "1.01",
        "flagged": "",
    }
    assert cycles_display(None).empty
