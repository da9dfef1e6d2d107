"""Bad overrides on the real snakemake command line: refused before any job, no traceback."""

import pytest

from tests.conftest import ROOT, snakemake

# Each case runs the real snakemake command line (a dry run): end to end, so not in the quick loop.
pytestmark = pytest.mark.slow

BAD_OVERRIDES = [
    ("backends=[fortran]", "backends", "cython, numba"),
    ("n_values=[0]", "n_values", "integers >= 1"),
    ("n_values=[-5]", "n_values", "integers >= 1"),
    ("n_values=[1.5e0]", "n_values", "integers >= 1"),
    ("n_values=[1e30]", "n_values", "< 2^63"),
    ("n_values=[abc]", "n_values", "integers >= 1"),
    ("repetitions=0", "repetitions", "integer >= 1"),
    ("repetitions=2.5", "repetitions", "integer >= 1"),
    ("scenarios=[gil+foo]", "scenarios", "no backend offers every mode of 'gil+foo'"),
    ("scenarios=[]", "scenarios", "it is empty and thread_counts is [] too"),
    ("repetiton=3", "repetiton", "Allowed keys"),
    ("isolate_trials=perhaps", "isolate_trials", "true or false"),
    ("interpreters=[/usr/bin/true]", "interpreters", "does not answer like a Python interpreter"),
    ("interpreters=[/no/such/python]", "interpreters", "cannot be started"),
    ("trial_time_limit_s=nan", "trial_time_limit_s", "number of seconds > 0"),
    ("n_scale={python: 1e300}", "n_scale", "2^63 - 1"),
    ("repetitions=100000", "repetitions", "at most 100,000"),
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
    (paragraph,) = [line for line in error.splitlines() if line.startswith("Config error:")]
    assert f"'{key}'" in paragraph and allowed in paragraph  # all of it in the one paragraph


def test_good_command_line_list_is_accepted():
    result = snakemake(ROOT, "--dry-run", "--cores", "1", "--config", "n_values=[2000000]", "repetitions=1")
    assert result.returncode == 0, result.stderr
    assert "trial" in result.stdout


SMALL = ["backends=[cython]", "scenarios=[gil]", "repetitions=1"]


@pytest.mark.parametrize("written", ["1e9", "1.0e+9", "1_000_000_000", "1000000000"])
def test_a_billion_written_as_users_write_it_plans_n_1e9(project, written):
    config = project / "config.yaml"
    config.write_text(config.read_text().replace("n_values: [100000000, 1000000000]", f"n_values: [{written}]"))
    result = snakemake(project, "--dry-run", "--cores", "1", "--config", *SMALL, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "results/trials/cython/gil/n1000000000/rep1.json" in result.stdout


def test_a_billion_on_the_command_line_plans_n_1e9():
    result = snakemake(ROOT, "--dry-run", "--cores", "1", "--config", "n_values=[1e9,2.5e8]", *SMALL, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "results/trials/cython/gil/n1000000000/rep1.json" in result.stdout
    assert "results/trials/cython/gil/n250000000/rep1.json" in result.stdout
