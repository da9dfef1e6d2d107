"""Incremental sweeps: a dry run's job counts prove only what changed is redone.

The report rule is not on main yet; "report options" are tested with the
aggregate step's own options (allow_partial) and with the trial time limit,
which must rerun no trial.
"""

import shutil

import pytest

from tests.conftest import snakemake
from tests.test_pipeline_e2e import BACKENDS, SCENARIOS, job_counts

pytestmark = pytest.mark.slow

#: tiny_run's grid (tests/conftest.py): every backend and scenario, n = 2e6, 2 repetitions.
TINY = ["n_values=[2000000]", "repetitions=2"]
CELLS = len(BACKENDS) * len(SCENARIOS)


def dry_run(workdir, *config, text: list | None = None) -> dict[str, int]:
    """Jobs per rule of a dry run (without the 'total' line); ``text`` collects the output."""
    result = snakemake(workdir, "--dry-run", "--cores", "2", "--config", *config)
    assert result.returncode == 0, result.stderr[-3000:]
    if text is not None:
        text.append(result.stdout)
    counts = job_counts(result.stdout) if "Job stats:" in result.stdout else {}
    counts.pop("total", None)
    return counts


def test_adding_an_n_value_runs_only_the_new_trials(tiny_run):
    workdir, first = tiny_run
    assert first.returncode == 0
    counts = dry_run(workdir, "n_values=[2000000,3000000]", "repetitions=2")
    assert counts == {"aggregate": 1, "all": 1, "cycles": 1, "report": 1, "trial": CELLS * 2}


def test_raising_repetitions_runs_only_the_new_repetition(tiny_run):
    workdir, _ = tiny_run
    counts = dry_run(workdir, "n_values=[2000000]", "repetitions=3")
    assert counts == {"aggregate": 1, "all": 1, "cycles": 1, "report": 1, "trial": CELLS}


@pytest.mark.parametrize("option", ["allow_partial=true", "trial_time_limit_s=30"])
def test_aggregation_and_limit_options_rerun_no_trial(tiny_run, option):
    workdir, _ = tiny_run
    assert dry_run(workdir, *TINY) == {}  # the unchanged grid: nothing to do
    counts = dry_run(workdir, *TINY, option)
    assert counts.get("trial", 0) == 0 and counts.get("build", 0) == 0
    assert counts["aggregate"] == 1 and counts["report"] == 1


@pytest.mark.parametrize(
    ("source", "backend"), [("kernels/_numba_impl.py", "numba"), ("kernels/fib_cython.pyx", "cython")]
)
def test_changing_a_kernel_source_rebuilds_that_backend_and_reruns_its_trials(tiny_run, tmp_path, source, backend):
    workdir, _ = tiny_run
    copy = tmp_path / "project"  # a copy: tiny_run's project must stay unchanged for the other tests
    shutil.copytree(workdir, copy, symlinks=True)
    assert dry_run(copy, *TINY) == {}  # a moved project keeps its builds and trials
    path = copy / source
    path.write_text(path.read_text() + "\n# an edit\n")
    text = []
    counts = dry_run(copy, *TINY, text=text)
    assert counts == {"aggregate": 1, "all": 1, "build": 1, "cycles": 1, "report": 1, "trial": len(SCENARIOS) * 2}
    assert f"output: results/build/{backend}/manifest.json" in text[0]
