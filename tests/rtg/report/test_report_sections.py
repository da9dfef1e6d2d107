"""The report is a package of sections: each owns its context and its template partial."""

from __future__ import annotations

import re

import pytest

from rtg import report
from rtg.report.base import Inputs
from tests.rtg.report.test_report import ENVIRONMENT
from tests.rtg.synthetic import simulate

PARTIALS = report.TEMPLATE_DIR / "sections"


def test_every_section_has_an_id_a_context_a_markdown_and_its_own_partial():
    ids = [section.ID for section in report.SECTIONS]
    assert len(set(ids)) == len(ids)
    for section in report.SECTIONS:
        partial = PARTIALS / f"{section.ID}.html.j2"
        assert partial.is_file(), partial
        assert f'<section id="{section.ID}">' in partial.read_text(encoding="utf-8")
        assert callable(section.context) and callable(section.markdown)
    assert sorted(p.stem.removesuffix(".html") for p in PARTIALS.glob("*.html.j2")) == sorted(ids)


def test_the_page_template_only_assembles_the_partials():
    page = (report.TEMPLATE_DIR / report.TEMPLATE).read_text(encoding="utf-8")
    assert "<section" not in page  # every section lives in its partial
    assert re.search(r'{%\s*include "sections/" ~ section ~ ".html.j2"\s*%}', page)


def test_a_section_reusing_another_sections_names_is_refused(monkeypatch):
    class Copycat:
        ID = "copycat"

        @staticmethod
        def context(inputs: Inputs) -> dict:
            return {"summary": "mine"}

        @staticmethod
        def markdown(parts, ctx) -> list[str]:
            return []

    monkeypatch.setattr(report, "SECTIONS", (*report.SECTIONS, Copycat))
    timings, threads = simulate(repetitions=2)
    parts = report.build(timings, threads, ENVIRONMENT)
    with pytest.raises(ValueError, match=r"'copycat' reuses template names \['summary'\]"):
        report.context(parts, {}, ENVIRONMENT, timings)
