"""The thread-scaling figure: a panel per interpreter (GIL builds first), a line per function, the ideal dashed."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from rtg.analysis import scaling, stats
from rtg.figures import every, style, thread_scaling
from tests.rtg.analysis.test_scaling import sweep
from tests.rtg.gil_tables import KERNELS
from tests.rtg.synthetic import simulate


@pytest.fixture
def drawn():
    summary, timings = sweep()
    found = scaling.table(summary, timings, KERNELS)
    fig = thread_scaling.fig_thread_scaling(found)
    yield found, fig
    style.close(fig)


def test_one_panel_per_interpreter_gil_build_first(drawn):
    _, fig = drawn
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["CPython 3.14 (GIL)", "CPython 3.14t (free-threaded)"]
    assert fig.axes[0].get_ylabel() == "speedup T·t(1)/t(T) (×)"
    assert all(ax.get_xlabel() == "threads (count)" for ax in fig.axes)


def test_the_title_states_the_finding(drawn):
    found, fig = drawn
    title = fig._suptitle.get_text()
    assert title == scaling.headline(found)
    assert title.startswith("On CPython 3.14t, 1 of 2 calls scale with threads; on CPython 3.14, 0 of 4")


def test_each_panel_has_the_dashed_ideal_and_a_line_with_errors_per_function(drawn):
    found, fig = drawn
    for ax, interpreter in zip(fig.axes, ["cpython-3.14", "cpython-3.14t"], strict=True):
        dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert len(dashed) == 1 and list(dashed[0].get_xdata()) == list(dashed[0].get_ydata()) == [1, 2, 3]
        drawn_here = [c for c in ax.containers if c.has_yerr]
        assert len(drawn_here) == found.loc[found["interpreter"] == interpreter, "function"].nunique()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:4] == ["cython_gil", "cython_nogil", "hashlib_sha256_1kib", "json_dumps"]
    assert "ideal: speedup = T" in legend and "oversubscribed: more threads than CPUs" in legend


def test_the_oversubscribed_point_is_ringed(drawn):
    _, fig = drawn
    free = fig.axes[1]
    rings = [c for c in free.collections if isinstance(c, PathCollection)]
    assert len(rings) == 1 and rings[0].get_offsets()[0][1] == pytest.approx(3 / 1.2)


def test_nothing_to_plot_gives_the_placeholder_that_says_what_to_add():
    fig = thread_scaling.fig_thread_scaling(pd.DataFrame(columns=scaling.COLUMNS))
    try:
        assert fig._suptitle.get_text() == "Not enough data for this figure"
        assert "thread_counts" in fig.axes[0].texts[0].get_text()
    finally:
        style.close(fig)


def test_the_report_draws_it_by_name_with_the_kernels_names():
    timings, threads = simulate(backends=("cython",), scenarios=("gil", "nogil", "gil+gil", "nogil+nogil"),
                                n_values=(10**7,), repetitions=2)  # fmt: skip
    summary = stats.summarize(timings, threads)
    made = every.make_all(timings, threads, summary, kernels={"cython": {"modes": ["gil", "nogil"]}})
    try:
        assert "thread_scaling" in every.FIGURES and "thread_scaling" in made
        fig = made["thread_scaling"]
        assert [t.get_text() for t in fig.legends[0].get_texts()][:2] == ["cython_gil", "cython_nogil"]
        assert fig._suptitle.get_text() == "On CPython 3.11.7, 1 of 2 calls scale with threads"
    finally:
        for fig in made.values():
            style.close(fig)
