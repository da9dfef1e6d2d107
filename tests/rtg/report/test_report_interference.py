"""The report's "Interference" section: present for schema-3 trials, with the measured cause and the cure."""

from __future__ import annotations

import pandas as pd
import pytest

from rtg import report
from rtg.report import interference as section
from rtg.trial.disturbance import MAX_OFF_SHARE, MIN_OFF_S
from tests.rtg.analysis.test_interference import plant, with_signals
from tests.rtg.report.test_report import ENVIRONMENT
from tests.rtg.synthetic import simulate

CELL = ("numba", "gil")


def rendered(timings: pd.DataFrame, threads: pd.DataFrame) -> tuple[str, str]:
    parts = report.build(timings, threads, ENVIRONMENT)
    ctx = report.context(parts, {}, ENVIRONMENT, timings)
    return report.render_html(ctx), report.render_markdown(ctx, parts)


@pytest.fixture(scope="module")
def modelled():
    return simulate(backends=("numba",), n_values=(10**8,), repetitions=4)


def interference_md(markdown: str) -> str:
    return markdown.split("## Interference")[1].split("\n## ")[0]


def test_records_without_signals_get_no_section(modelled):
    html, markdown = rendered(*modelled)
    assert 'id="interference"' not in html
    assert "## Interference" not in markdown


def test_a_quiet_grid_gets_the_section_with_the_rule_and_no_table(modelled):
    timings, threads = modelled
    html, markdown = rendered(with_signals(timings), threads)
    assert '<section id="interference">' in html
    rule = f"more than {MAX_OFF_SHARE * 100:g} % of its span\nand {MIN_OFF_S * 1000:g} ms"
    assert rule in html  # the rule's two thresholds (rtg/trial/disturbance.py)
    assert "No run was set aside and no trial was measured again." in html
    assert "## Interference" in markdown and "|" not in interference_md(markdown)


def test_a_cell_disturbed_by_steal_is_named_with_its_cure_in_every_place(modelled):
    timings, threads = modelled
    timings = with_signals(timings)
    plant(timings, CELL, [0, 1, 2], disturbed=True, cause="hypervisor steal", disturbed_runs=5, attempts=3,
          steal_s=1.5, worker_steal_s=0.4)  # fmt: skip
    html, markdown = rendered(timings, threads)
    # Between the flags and the claims: the cause is read before any verdict.
    assert html.index('id="flags"') < html.index('id="interference"') < html.index('id="claims"')
    part = interference_md(markdown)
    assert "| numba / gil / n=100,000,000 | hypervisor steal | 3 of 4 trials |" in part
    assert "hypervisor steal in 3 trials" in part and "a rerun on the same VM may meet the same neighbours" in part
    assert "other programs" not in part
    flags = markdown.split("## Flags")[1].split("\n## ")[0]
    assert "| warning | disturbed by hypervisor steal | numba / gil / n=100,000,000 |" in flags
    answer = markdown.split("## Flags")[0]  # the answer opens the report, before the flags
    assert "3 trials stayed disturbed within the bounds" in answer  # the answer says why it cannot be had


def test_the_cells_table_reads_in_words_and_rounded_numbers():
    cells = pd.DataFrame(
        [{"backend": "cython", "scenario": "nogil+gil", "n": 10**7, "trials": 3, "disturbed_trials": 0, "cause": None,
          "steal_s": 0.123, "others_cpu_s": 1.0, "run_delay_s": 0.0456, "set_aside_runs": 2, "replacement_runs": 2,
          "remeasured_trials": 0, "quiet_wait_s": 0.25}]
    )  # fmt: skip
    (row,) = section.cells_display(cells).to_dict("records")
    assert row["cell"] == "cython / nogil+gil / n=10,000,000"
    assert row["cause"] == "–" and row["stayed disturbed"] == "0 of 3 trials"
    assert (row["steal (CPU-s)"], row["workers' run delay (s)"], row["gate waited (s)"]) == ("0.12", "0.046", "0.2")
