"""The report's "Which calls release the GIL": plain words with numbers, the rule, each verdict against its source."""

from __future__ import annotations

import json

import jinja2
import pandas as pd
import pytest

from rtg import report
from rtg.analysis import gil_release, scaling
from rtg.report import gil_release as section
from rtg.report.base import Inputs
from tests.rtg.analysis.test_gil_release import gallery
from tests.rtg.gil_tables import KERNELS, cell, tables
from tests.rtg.report.test_report import ENVIRONMENT
from tests.rtg.synthetic import simulate


def shown(summary: pd.DataFrame, timings: pd.DataFrame, kernels=KERNELS) -> tuple[dict, list[str], str]:
    """(context, Markdown lines, the partial's HTML) of the section for hand-built tables."""
    parts = {"gil_release": gil_release.table(summary, timings, kernels), "scaling": scaling.table(summary, timings)}
    ctx = section.context(Inputs(parts, {}, {"kernels": kernels}, timings))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(report.TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined)  # fmt: skip
    html = env.get_template(f"sections/{section.ID}.html.j2").render(**ctx)
    return ctx, section.markdown(parts, ctx), html


@pytest.fixture(scope="module")
def gallery_shown():
    return shown(*gallery())


def test_plain_words_first_per_interpreter_with_numbers(gallery_shown):
    ctx, markdown, _ = gallery_shown
    first = ctx["gil_release_lines"][0]
    assert first == (
        "On CPython 3.14, 3 of 7 calls release the GIL: cython_nogil (two threads took 1.00× one call [0.99–1.02]), "
        "hashlib_sha256_1mib (1.03× [1.01–1.06], heartbeat stalled 2%), numpy_dot (1.17× [1.10–1.25], "
        "oversubscribed); 2 hold it: cython_gil (2.00× [1.99–2.01]), hashlib_sha256_1kib (2.04× [1.98–2.10], "
        "heartbeat stalled 98%); 1 partly releases it: re_search (1.44× [1.40–1.49], heartbeat stalled 75%); "
        "1 is unclear (the CI crosses 1.3× or 1.7×, or there is none): json_dumps (1.50× [1.20–1.80], heartbeat "
        "stalled 92%)."
    )
    assert markdown[:3] == ["## Which calls release the GIL", "", f"- {first}"]


def test_a_free_threaded_build_is_judged_only_where_an_import_brought_the_gil_back(gallery_shown):
    lines = gallery_shown[0]["gil_release_lines"]
    assert lines[1] == (
        "On CPython 3.14t, 0 of 1 call releases the GIL; 1 holds it: cython_gil (two threads took 1.98× one call "
        "[1.95–2.02], GIL re-enabled by the kernel's import)."
    )
    assert "Calls that ran without a GIL (on CPython 3.14t) are not judged here: see “Thread scaling”." in lines


def test_the_rule_is_stated_with_its_thresholds(gallery_shown):
    ctx, markdown, html = gallery_shown
    rule = ctx["gil_release_rule"]
    assert rule.startswith("The rule: a call releases when the whole 95 % CI of two threads ÷ one lies below 1.3×")
    assert "holds when it lies above 1.7×" in rule and "unclear when it crosses 1.3× or 1.7×" in rule
    assert "a stall is the GIL's" in rule
    assert rule in markdown and "lies below 1.3×" in html


def test_a_disagreement_with_the_source_is_named_in_words_and_in_the_table(gallery_shown):
    ctx, markdown, html = gallery_shown
    assert ctx["gil_release_sources"] == [
        "Against the source: 6 of 7 verdicts agree with what the called code's source says; 1 disagrees: re_search "
        "on CPython 3.14 was measured to partly release the GIL where its source says it holds (cpython#67878).",
        "No source claim for json_dumps: its verdict stands alone.",
    ]
    text = "\n".join(markdown)
    assert (
        "| re_search | cpython-3.14 | GIL | 1.44× [1.40–1.49] | 75% | partly | holds | NO: disagrees | cpython#67878 |"
        in text
    )
    assert "| json_dumps | cpython-3.14 | GIL | 1.50× [1.20–1.80] | 92% | unclear | – | – | – |" in text
    assert "<td>NO: disagrees</td>" in html and '<section id="gil-release">' in html


def test_oversubscribed_pairs_are_flagged_in_words(gallery_shown):
    lines = gallery_shown[0]["gil_release_lines"]
    assert (
        "Oversubscribed: the two threads of numpy_dot on CPython 3.14 had fewer than two CPUs, so they shared one "
        "and their ratio says nothing about the GIL."
    ) in lines
    assert "releases (oversubscribed)" in "\n".join(gallery_shown[1])


def test_without_heartbeat_and_source_facts_the_section_says_so():
    summary, timings = tables(
        [(cell("numba", s, *r), {}) for s, r in [("gil", ()), ("nogil", ()), ("gil+gil", (1.99, 1.97, 2.02)),
                                                    ("nogil+nogil", (1.01, 0.99, 1.03))]]
    )  # fmt: skip
    ctx, markdown, _ = shown(summary, timings.drop(columns=["heartbeat_stall_share"]), kernels={})
    assert ctx["gil_release_lines"][0] == (
        "On CPython 3.14, 1 of 2 calls releases the GIL: numba_nogil (two threads took 1.01× one call [0.99–1.03]); "
        "1 holds it: numba_gil (1.99× [1.97–2.02])."
    )
    assert (
        "No stall share was measured: the heartbeat was off (heartbeat: false), or the trials are from before it "
        "was recorded."
    ) in ctx["gil_release_lines"]
    assert ctx["gil_release_sources"] == [
        "No kernel here states what its source says about the GIL (SOURCE_SAYS, kernels/__init__.py), so no "
        "verdict is held against a source."
    ]


def test_each_n_is_named_when_a_call_ran_at_several():
    summary, timings = tables(
        [
            (cell("hashlib_sha256_1mib", "call", n=1024), {}),
            (cell("hashlib_sha256_1mib", "call+call", 2.0, 1.9, 2.1, n=1024), {}),
            (cell("hashlib_sha256_1mib", "call"), {}),
            (cell("hashlib_sha256_1mib", "call+call", 1.02, 1.0, 1.04), {}),
        ]
    )
    ctx, _, _ = shown(summary, timings)
    assert ctx["gil_release_lines"][0].startswith(
        "On CPython 3.14, 1 of 2 calls releases the GIL: hashlib_sha256_1mib (n=1,048,576) (two threads took 1.02×"
    )
    assert "1 holds it: hashlib_sha256_1mib (n=1,024) (2.00× [1.90–2.10])" in ctx["gil_release_lines"][0]
    assert "1 of 2 verdicts agree" in ctx["gil_release_sources"][0]


def test_no_pair_on_a_gil_build_means_no_section():
    summary, timings = tables([(cell("json_dumps", "call"), {})])
    ctx, markdown, html = shown(summary, timings)
    assert ctx == {"gil_release_present": False} and markdown == [] and "<section" not in html


def test_the_report_shows_both_sections_right_after_the_answer_and_writes_both_tables(tmp_path):
    timings, threads = simulate(backends=("cython",), n_values=(10**7,), repetitions=3)
    timings.to_csv(tmp_path / "timings.csv", index=False)
    threads.to_csv(tmp_path / "threads.csv", index=False)
    (tmp_path / "environment.json").write_text(json.dumps(ENVIRONMENT))
    out = {name: tmp_path / f"{name}.csv" for name in ("summary", "claims", "gil_release", "scaling_table")}
    out.update(markdown=tmp_path / "report.md", html=tmp_path / "report.html")
    report.write(tmp_path / "timings.csv", tmp_path / "threads.csv", tmp_path / "environment.json", out, {})
    html = out["html"].read_text(encoding="utf-8")
    ids = ["answer", "gil-release", "thread-scaling", "flags", "claims"]
    assert [html.index(f'<section id="{i}"') for i in ids] == sorted(html.index(f'<section id="{i}"') for i in ids)
    found = pd.read_csv(out["gil_release"])
    assert list(found.columns[:8]) == list(gil_release.COLUMNS)
    assert dict(zip(found["function"], found["verdict"], strict=True)) == {
        "cython_gil": "holds",
        "cython_nogil": "releases",
    }
    speed = pd.read_csv(out["scaling_table"])
    assert list(speed.columns[:8]) == list(scaling.COLUMNS) and sorted(set(speed["threads"])) == [1, 2]
    assert "## Which calls release the GIL" in out["markdown"].read_text(encoding="utf-8")


def test_both_tables_are_written_with_a_header_when_nothing_ran_on_two_threads(tmp_path):
    timings, threads = simulate(backends=("cython",), scenarios=("gil", "nogil", "nogil+gil"), n_values=(10**7,),
                                repetitions=2)  # fmt: skip
    timings.to_csv(tmp_path / "timings.csv", index=False)
    threads.to_csv(tmp_path / "threads.csv", index=False)
    (tmp_path / "environment.json").write_text(json.dumps(ENVIRONMENT))
    out = {name: tmp_path / f"{name}.csv" for name in ("summary", "claims", "gil_release", "scaling_table")}
    out.update(markdown=tmp_path / "report.md", html=tmp_path / "report.html")
    report.write(tmp_path / "timings.csv", tmp_path / "threads.csv", tmp_path / "environment.json", out, {})
    assert out["gil_release"].read_text().splitlines()[0].startswith(",".join(gil_release.COLUMNS))
    assert out["scaling_table"].read_text().splitlines()[0].startswith(",".join(scaling.COLUMNS))
    assert len(out["gil_release"].read_text().splitlines()) == len(out["scaling_table"].read_text().splitlines()) == 1
    html = out["html"].read_text(encoding="utf-8")
    assert 'id="gil-release"' not in html and 'id="thread-scaling"' not in html
