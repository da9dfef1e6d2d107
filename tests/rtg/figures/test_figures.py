"""The figures: drawn from modelled runs, with units, stated findings and a fixed palette."""

from __future__ import annotations

import re

import pytest

from rtg.analysis import stats
from rtg.figures import blog as figures
from rtg.figures import every, style
from tests.rtg.synthetic import simulate


@pytest.fixture(scope="module")
def drawn():
    timings, threads = simulate(repetitions=3)
    summary = stats.summarize(timings, threads)
    made = every.make_all(timings, threads, summary)
    yield made
    for fig in made.values():
        style.plt.close(fig)


def test_every_listed_figure_is_drawn(drawn):
    assert list(drawn) == list(every.FIGURES)


def test_every_axis_has_units_and_every_figure_a_title(drawn):
    units = re.compile(
        r"\((ms|ns|%|×|min|count|loop iterations.*|threads in start order|start order)\)|share of trials|backend"
    )
    for name, fig in drawn.items():
        assert fig._suptitle is not None and fig._suptitle.get_text(), name
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            for label in (ax.get_xlabel(), ax.get_ylabel()):
                if label:
                    assert units.search(label), (name, label)


def test_titles_state_the_modelled_findings(drawn):
    wall_title = drawn["wall"]._suptitle.get_text()
    assert re.search(r"gil\+gil 2\.0\d×", wall_title) and re.search(r"nogil\+gil 1\.0\d×", wall_title)
    assert "began 28" in drawn["timeline"]._suptitle.get_text()  # ~280 ms: one whole call late
    assert "n^1.00" in drawn["scaling"]._suptitle.get_text()


def test_timeline_draws_one_bar_per_thread_of_each_representative_trial(drawn):
    bars = sum(len(ax.patches) for ax in drawn["timeline"].axes)
    assert bars == 2 * (1 + 1 + 2 + 2 + 2 + 2)


def test_scenario_colours_are_fixed_and_distinct():
    palette = style.scenario_palette(["nogil+gil", "gil", "gil+gil+nogil", "nogil"])
    assert list(palette) == ["gil", "nogil", "nogil+gil", "gil+gil+nogil"]
    assert palette["gil"] == style.TOKEN_COLOURS["gil"]
    assert len(set(palette.values())) == len(palette)


def test_saved_figure_is_a_png(tmp_path, drawn):
    timings, threads = simulate(backends=("numba",), scenarios=("gil", "gil+gil"), repetitions=2)
    summary = stats.summarize(timings, threads)
    path = style.save(figures.fig_ratio_heatmap(summary), tmp_path / "sub" / "h.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "grid",
    [
        {"backends": ("cython",), "scenarios": ("gil", "nogil", "nogil+gil"), "repetitions": 1},
        {"backends": ("numba",), "scenarios": ("gil",), "repetitions": 2},
        {"backends": ("cython", "numba"), "scenarios": ("gil+gil", "nogil+nogil"), "repetitions": 3},
        {"backends": ("numba",), "scenarios": ("nogil", "gil+gil+nogil"), "n_values": (10**7,), "repetitions": 2},
    ],
    ids=["one-rep", "one-scenario", "no-single-thread", "three-threads"],
)
def test_small_and_odd_grids_still_draw_every_figure(grid):
    timings, threads = simulate(**grid)
    summary = stats.summarize(timings, threads)
    made = every.make_all(timings, threads, summary)
    assert list(made) == list(every.FIGURES)
    for fig in made.values():
        assert fig._suptitle.get_text()
        style.plt.close(fig)


def test_an_extra_axis_becomes_part_of_the_backend_facet():
    import pandas as pd

    parts = []
    for executor, seed in (("threads", 1), ("processes", 2)):
        timings, threads = simulate(repetitions=2, seed=seed, extra_columns={"executor": executor})
        parts.append((timings, threads.assign(executor=executor)))
    timings = pd.concat([p[0] for p in parts], ignore_index=True)
    threads = pd.concat([p[1] for p in parts], ignore_index=True)
    summary = stats.summarize(timings, threads)
    made = every.make_all(timings, threads, summary)
    assert list(made) == list(every.FIGURES)
    labels = {ax.get_title() for ax in made["wall"].axes}
    assert any("cython · processes" in label for label in labels), labels
    for fig in made.values():
        style.plt.close(fig)
