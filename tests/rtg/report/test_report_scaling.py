"""The report's "Thread scaling": plain words per function across builds, oversubscription, the rule, the figure."""

from __future__ import annotations

import jinja2
import pytest

from rtg import report
from rtg.analysis import gil_release, scaling
from rtg.figures import style, thread_scaling
from rtg.report import scaling as section
from rtg.report.base import Inputs
from tests.rtg.analysis.test_scaling import sweep
from tests.rtg.gil_tables import FREE, KERNELS, cell, tables


def shown(summary, timings, figure_paths=None) -> tuple[dict, list[str], str]:
    parts = {"scaling": scaling.table(summary, timings, KERNELS), "gil_release": gil_release.table(summary, timings)}
    ctx = section.context(Inputs(parts, figure_paths or {}, {"kernels": KERNELS}, timings))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(report.TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined)  # fmt: skip
    html = env.get_template(f"sections/{section.ID}.html.j2").render(**ctx)
    return ctx, section.markdown(parts, ctx), html


@pytest.fixture(scope="module")
def swept():
    return shown(*sweep())


def test_plain_words_first_free_threaded_beside_gil(swept):
    ctx, markdown, _ = swept
    lines = ctx["thread_scaling_lines"]
    assert lines[0] == "On CPython 3.14t, 1 of 2 calls scale with threads; on CPython 3.14, 0 of 4."
    assert (
        "hashlib_sha256_1kib: on CPython 3.14t it ran 2.50× faster on 3 threads [2.31–2.73], 83% of the ideal 3×; "
        "on CPython 3.14 it gained nothing on 3 threads (1.00× [0.94–1.03])."
    ) in lines
    assert markdown[:3] == ["## Thread scaling", "", f"- {lines[0]}"]


def test_a_call_that_does_not_scale_without_a_gil_is_shown_and_the_section_says_it_does_not_know_why(swept):
    lines = swept[0]["thread_scaling_lines"]
    assert (
        "json_dumps: on CPython 3.14t it ran slower on 2 threads than on one (0.91× [0.87–0.95]); on CPython 3.14 it "
        "gained nothing on 2 threads (1.02× [1.00–1.05])."
    ) in lines
    assert any(
        line.startswith("On CPython 3.14t, which has no GIL, json_dumps did not get faster with more threads")
        and line.endswith("this run cannot tell what.")
        for line in lines
    )


def test_no_interval_is_said_in_words(swept):
    assert (
        "cython_nogil: on CPython 3.14 it ran 1.60× as fast on 2 threads (no CI: one trial)."
        in swept[0]["thread_scaling_lines"]
    )


def test_oversubscribed_cells_are_flagged_in_words_and_in_the_table(swept):
    ctx, markdown, _ = swept
    assert (
        "Oversubscribed (more threads than CPUs): hashlib_sha256_1kib on 3 threads on CPython 3.14t. Those threads "
        "shared CPUs, so a speedup below T there says nothing about the code."
    ) in ctx["thread_scaling_lines"]
    text = "\n".join(markdown)
    assert (
        "| hashlib_sha256_1kib | cpython-3.14t | free-threaded | 3 | 2.50× [2.31–2.73] | 83% | oversubscribed |" in text
    )
    assert "| hashlib_sha256_1kib | cpython-3.14t | free-threaded | 1 | 1.00× [1.00–1.00] | 100% |  |" in text


def test_the_rule_and_the_definition_are_stated(swept):
    ctx, _, html = swept
    rule = ctx["thread_scaling_rule"]
    assert rule.startswith("Speedup = T·t(1)/t(T)") and "turned over" in rule
    assert "lies above 75%" in rule and "below 1.2×" in rule and scaling.RULE in rule
    assert '<section id="thread-scaling">' in html and "T·t(1)/t(T)" in html


def test_the_figure_is_shown_in_the_section(tmp_path):
    summary, timings = sweep()
    path = style.save(thread_scaling.fig_thread_scaling(scaling.table(summary, timings, KERNELS)), tmp_path / "t.png")
    ctx, markdown, html = shown(summary, timings, {"thread_scaling": path})
    assert [f["name"] for f in ctx["thread_scaling_figures"]] == ["thread_scaling"]
    assert '<figure id="fig-thread_scaling">' in html and 'src="data:image/png;base64,' in html
    assert f"- `figures/thread_scaling.png`: {thread_scaling.FIGURES['thread_scaling']}" in markdown


def test_a_grid_of_one_build_says_what_to_add():
    one = cell("zlib_compress", "call", interpreter=FREE)
    two = cell("zlib_compress", "call+call", 1.0, 0.98, 1.02, interpreter=FREE)
    summary, timings = tables([(one, {}), (two, {})])
    lines = shown(summary, timings)[0]["thread_scaling_lines"]
    assert lines[0] == "On CPython 3.14t, 1 of 1 call scales with threads."
    assert lines[-1] == "Only free-threaded builds ran: add a GIL build to interpreters to see what the GIL costs."


def test_nothing_on_several_threads_means_no_section():
    summary, timings = tables([(cell("zlib_compress", "call"), {})])
    ctx, markdown, html = shown(summary, timings)
    assert ctx == {"thread_scaling_present": False} and markdown == [] and "<section" not in html


def test_a_gain_the_interval_cannot_tell_from_none_is_not_called_faster():
    row = {"threads": 2, "speedup": 0.99, "speedup_ci_low": 0.53, "speedup_ci_high": 1.65, "efficiency": 0.495}
    assert section.gained({**row, "judgement": "some gain"}) == (
        "ran 0.99× as fast on 2 threads [0.53–1.65], too uncertain to say whether it gained"
    )
    assert section.gained({**row, "speedup": 1.6, "judgement": "some gain"}).startswith("ran 1.60× faster on 2 threads")


def test_only_a_run_of_the_blogs_tokens_gets_the_blogs_answer():
    import importlib

    import pandas as pd

    answer = importlib.import_module("rtg.report.answer")  # rtg.report.answer is also the blog's answer function
    assert answer.ran_the_blogs_pairs(pd.DataFrame({"scenario": ["gil", "nogil+gil"]}))
    assert not answer.ran_the_blogs_pairs(pd.DataFrame({"scenario": ["call", "call+call"]}))
    assert answer.ran_the_blogs_pairs(pd.DataFrame({"scenario": ["call", "nogil"]}))  # a mixed grid: the blog's too
