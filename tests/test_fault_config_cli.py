"""The fault-related config keys on the real command line: bad values refused before any job."""

import pytest

from tests.conftest import ROOT, snakemake

# Each case runs the real snakemake command line (a dry run): end to end, so not in the quick loop.
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ("trial_time_limit_s=0", "trial_time_limit_s", "auto or a number of seconds > 0"),
        ("trial_time_limit_s=never", "trial_time_limit_s", "auto or a number of seconds > 0"),
        ("allow_partial=perhaps", "allow_partial", "true or false"),
    ],
)
def test_bad_fault_settings_are_refused_before_any_job(override, key, allowed):
    result = snakemake(ROOT, "--dry-run", "--cores", "1", "--config", override, timeout=120)
    error = result.stderr + result.stdout
    assert result.returncode != 0
    assert f"'{key}'" in error and allowed in error
    assert "Job stats" not in error


def test_the_cluster_runtime_follows_the_time_limit():
    result = snakemake(
        ROOT, "--dry-run", "--cores", "1", "--config", "n_values=[2000000]", "repetitions=1", "trial_time_limit_s=600"
    )
    assert result.returncode == 0, result.stderr
    # Up to 3 attempts (remeasure_limit 2), each 600 s + 2 x 5 s of quiet gate, + 5 s grace + 300 s cluster
    # margin: 2135 s -> 36 minutes, on every trial job
    assert "runtime=36" in result.stdout
    assert result.stdout.count("runtime=36") == result.stdout.count("rule trial:")
    raw = snakemake(
        ROOT,
        "--dry-run",
        "--cores",
        "1",
        "--config",
        "n_values=[2000000]",
        "repetitions=1",
        "trial_time_limit_s=600",
        "remeasure=false",
    )
    # Without re-measurement: 600 s + 5 s grace + 300 s cluster margin -> 16 minutes
    assert raw.returncode == 0, raw.stderr
    assert raw.stdout.count("runtime=16") == raw.stdout.count("rule trial:") > 0
