"""Bad overrides on the real snakemake command line: refused before any job, no traceback."""

import pytest

from tests.conftest import ROOT, snakemake

BAD_OVERRIDES = [
    ("backends=[fortran]", "backends", "cython, numba"),
    ("n_values=[0]", "n_values", "integers >= 1"),
    ("n_values=[-5]", "n_values", "integers >= 1"),
    ("n_values=[1e9]", "n_values", "integers >= 1"),
    ("n_values=[abc]", "n_values", "integers >= 1"),
    ("repetitions=0", "repetitions", "integer >= 1"),
    ("repetitions=2.5", "repetitions", "integer >= 1"),
    ("scenarios=[gil+foo]", "scenarios", "gil or nogil"),
    ("scenarios=[]", "scenarios", "non-empty"),
    ("repetiton=3", "repetiton", "Allowed keys"),
    ("isolate_trials=perhaps", "isolate_trials", "true or false"),
]


@pytest.mark.parametrize(("override", "key", "allowed"), BAD_OVERRIDES)
def test_bad_override_is_refused_before_any_job(override, key, allowed):
    result = snakemake(ROOT, "--dry-run", "--cores", "1", "--config", override, timeout=120)
    assert result.returncode != 0
    error = result.stderr + result.stdout
    assert f"'{key}'" in error
    assert allowed in error
    assert "Traceback" not in error
    assert 'File "' not in error
    assert "Job stats" not in error  # refused before the DAG is built


def test_good_command_line_list_is_accepted():
    result = snakemake(ROOT, "--dry-run", "--cores", "1", "--config", "n_values=[2000000]", "repetitions=1")
    assert result.returncode == 0, result.stderr
    assert "trial" in result.stdout
