"""Issue 14's done-when: the user's own kernels, from a folder outside the project, through the whole pipeline.

A copy of examples/kernels in a temporary folder (not inside the project) is
listed in kernel_paths: the memory-bound stream_cython (Cython, its own closed-form
reference, buffers made outside the timed region) and scale_numba (Numba, its own
reference) run with the built-in cython beside them. A kernel without an
independent reference is checked for agreement, and an edit to a user's source
rebuilds and reruns that backend only.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.conftest import ROOT, copy_project, run_grid, snakemake
from tests.test_incremental_e2e import dry_run

pytestmark = pytest.mark.slow

#: 2^25 uint64 values = 256 MiB per thread: far more than the 32 MiB last-level cache of this kind of machine.
LEAVES_THE_CACHES = 33554432
GRID = [
    "backends=[stream_cython,scale_numba,cython]",
    "scenarios=[gil,nogil,nogil+nogil]",
    f"n_values=[{LEAVES_THE_CACHES}]",
    "repetitions=3",
    "safety_experiment=false",
]


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    base = tmp_path_factory.mktemp("own")
    mine = shutil.copytree(ROOT / "examples" / "kernels", base / "my-kernels")  # outside the project
    project = copy_project(base / "project")
    run_grid(project, f"kernel_paths=[{mine}]", *GRID, timeout=1800)
    return project, mine


def test_every_trial_of_the_users_kernels_is_correct_against_its_own_reference(own):
    project, _ = own
    timings = pd.read_csv(project / "results" / "timings.csv")
    assert set(timings["backend"]) == {"stream_cython", "scale_numba", "cython"}
    assert timings["correct"].all() and len(timings) == 3 * 3 * 3
    for trial in (project / "results" / "trials").rglob("*.json"):
        record = json.loads(trial.read_text())
        assert record["check"] == ("fibonacci" if record["backend"] == "cython" else "reference")
        if record["backend"] == "stream_cython":
            assert record["expected"] == str(LEAVES_THE_CACHES * (LEAVES_THE_CACHES - 1) // 2)
    manifest = json.loads((project / "results" / "build" / "stream_cython" / "manifest.json").read_text())
    assert manifest["backend"] == "stream_cython" and manifest["cython_version"]


def test_the_report_shows_the_memory_bound_ratio_next_to_the_fibonacci_one_with_the_bandwidth(own):
    project, mine = own
    bandwidth = json.loads((project / "results" / "bandwidth.json").read_text())
    for pattern in ("read", "copy"):
        assert (
            bandwidth[pattern]["one_thread"]["bytes_per_s"] > 1e9
            and bandwidth[pattern]["two_threads"]["bytes_per_s"] > 1e9
        )
    report = (project / "results" / "report.md").read_text()
    answer = report.split("\n## ")[0]
    assert answer.split("\n\n")[1].startswith("stream_cython: two threads got")  # the user's question first
    section = report[report.index("## Your own kernels") :].split("\n## ")[0]
    assert "stream_cython: two threads got" in section
    assert "of the memory bandwidth two threads can read on this machine" in section
    assert "The register-bound Fibonacci loop (cython) gained" in section
    assert str(mine / "stream_cython.py") in section and "its own reference(n)" in section
    environment = json.loads((project / "results" / "environment.json").read_text())
    assert environment["kernels"]["stream_cython"]["bytes_per_iteration"] == 8
    html = (project / "results" / "report.html").read_text()
    assert 'id="kernels"' in html and "kernels_memory" in html


def test_an_edit_to_a_users_source_reruns_that_backend_only(own, tmp_path):
    project, mine = own
    copy = shutil.copytree(project, tmp_path / "project", symlinks=True)
    config = [f"kernel_paths=[{mine}]", *GRID]
    assert dry_run(copy, *config) == {}
    pyx = mine / "stream.pyx"
    original = pyx.read_text()
    try:
        pyx.write_text(original + "\n# an edit\n")
        text = []
        counts = dry_run(copy, *config, text=text)
    finally:
        pyx.write_text(original)
    assert counts["build"] == 1 and counts["trial"] == 3 * 3
    assert "output: results/build/stream_cython/manifest.json" in text[0]
    assert "output: results/build/scale_numba" not in text[0] and "output: results/build/cython/" not in text[0]


AGREEMENT_KERNEL = '''
"""A kernel without an independent reference: only agreement can be checked."""
from pathlib import Path

SOURCES = [Path(__file__)]
USES_CFLAGS = False
reference = None


def build(build_dir, cflags):
    Path(build_dir).mkdir(parents=True, exist_ok=True)
    return {"backend": "squares"}


def _squares(n):
    total = 0
    for i in range(n):
        total = (total + i * i) & 0xFFFFFFFFFFFFFFFF
    return total


def entry_point(mode, build_dir):
    return _squares
'''


def test_a_kernel_without_a_reference_is_held_to_agreement_and_the_report_says_so(tmp_path):
    mine = tmp_path / "agreeing"
    mine.mkdir()
    (mine / "squares.py").write_text(AGREEMENT_KERNEL)
    project = copy_project(tmp_path / "project")
    run_grid(
        project, f"kernel_paths=[{mine}]", "backends=[squares]", "scenarios=[gil,gil+gil]", "n_values=[20000]",
        "repetitions=2", "safety_experiment=false",
    )  # fmt: skip
    trial = json.loads(next((project / "results" / "trials").rglob("*.json")).read_text())
    assert trial["check"] == "agreement" and trial["correct"]
    assert trial["expected"] == str(sum(i * i for i in range(20000)))
    report = (project / "results" / "report.md").read_text()
    assert "agreement only: no independent reference" in report
    assert "bandwidth.json" not in {p.name for p in (project / "results").iterdir()}  # nothing declared traffic


def test_a_broken_kernel_is_one_config_error_before_any_job(tmp_path):
    mine = tmp_path / "broken"
    mine.mkdir()
    (mine / "half.py").write_text("SOURCES = []\nUSES_CFLAGS = False\n")
    project = copy_project(tmp_path / "project")
    done = snakemake(project, "--cores", "1", "--config", f"kernel_paths=[{mine}]", "backends=[half]")
    assert done.returncode != 0
    assert (
        f"Config error: Invalid config value 'kernel_paths': the kernel {mine / 'half.py'} cannot be a backend: "
        "it lacks build; it lacks entry_point." in done.stderr
    )
    assert "Traceback" not in done.stderr and not (project / "results").exists()
