"""The real report of the tiny end-to-end run, opened in headless Chromium.

Outside CI the test skips when Chromium is missing; with CI=true it must run
(.ci/run installs Debian's chromium package).
"""

from __future__ import annotations

import os
import struct

import pytest

from tests.browser import find_chromium, inspect_page

CHROMIUM = find_chromium()
IN_CI = os.environ.get("CI", "").lower() == "true"

if CHROMIUM is None and IN_CI:
    pytest.fail("chromium is required in CI (apt-get install -y chromium)", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")


def png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@pytest.mark.slow
def test_real_report_renders_every_image_and_the_claims(tiny_run, tmp_path):
    workdir, result = tiny_run
    assert result.returncode == 0, result.stderr[-4000:]
    shot = tmp_path / "report.png"
    state = inspect_page(workdir / "results" / "report.html", shot, CHROMIUM)
    assert len(state["images"]) == 9  # thread scaling (after the answer), 6 figures, the race section's race and drift
    for image in state["images"]:
        assert image["complete"] and image["width"] > 300 and image["height"] > 200, image
        assert image["src"].startswith("data:image/png;base64,")
    assert state["claimsRows"] >= 11
    assert state["summaryRows"] == 12
    assert "releasing the GIL" in state["answer"]
    assert state["external"] == []
    assert state["console_errors"] == []
    width, height = png_size(shot)
    assert width == 1280 and height == state["height"] > 3000


def test_checker_sees_broken_images_and_console_errors(tmp_path):
    """Negative control: the harness must not pass a page that is broken."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="missing.png"><img src="data:image/png;base64,AAAA">'
        '<script>console.error("boom"); undefined_function();</script></body></html>'
    )
    state = inspect_page(page, tmp_path / "broken.png", CHROMIUM)
    assert [i["width"] for i in state["images"]] == [0, 0]
    assert any("boom" in e for e in state["console_errors"])
    assert any("undefined_function" in e or "Uncaught" in e for e in state["console_errors"])
    assert state["claimsRows"] == 0
