"""The preflight property through the real ``snakemake`` executable (hypothesis, few examples).

``tests/rtg/plan/test_preflight.py`` checks hundreds of inputs in process; this
runs a sample of the same inputs as a user would, from a config file and
from ``--config``: each one plans, or stops before any job with one
``Config error:`` paragraph naming the key, and never shows a traceback.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from snakemake.common.configfile import load_configfile
from snakemake.utils import update_config

from rtg.plan import config as rtg_config
from rtg.plan import preflight
from tests.conftest import ROOT, snakemake
from tests.rtg.plan.test_preflight import KEYS, SCHEMA, VALUE, from_command_line, shipped, to_flow_yaml

pytestmark = pytest.mark.slow

#: Accepted grids larger than this are left to the in-process test: planning them only costs time here.
MAX_PLANNED_TRIALS = 2_000
CLI_SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def verdict(config: dict) -> str | None:
    """The in-process verdict: None if accepted, else the ConfigError message."""
    config = copy.deepcopy(config)
    try:
        interps = preflight.run(config, SCHEMA, ROOT)
    except rtg_config.ConfigError as error:
        return str(error)
    assume(preflight.trial_count(config, len(interps)) <= MAX_PLANNED_TRIALS)
    return None


def check_run(result, expected: str | None, key: str) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output and 'File "' not in output, output[-3000:]
    if expected is None:
        assert result.returncode == 0, output[-3000:]
        return
    assert result.returncode != 0
    assert "Job stats" not in output  # refused before the DAG is built
    (paragraph,) = [line for line in output.splitlines() if line.startswith("Config error:")]
    assert paragraph == f"Config error: {expected}"  # the same words as in process
    assert f"'{key}'" in paragraph or repr(key) in paragraph


@CLI_SETTINGS
@given(key=st.sampled_from(KEYS), value=VALUE)
@example(key="allow_partial", value={})  # found by hypothesis: {} merged over false leaves false
@example(key="n_values", value=["1e9"])
def test_a_config_file_value_plans_or_is_one_named_paragraph(tmp_path, key, value):
    config = shipped()
    config[key] = value
    path = tmp_path / f"config-{abs(hash((key, repr(value))))}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    # --configfile is merged over config.yaml as Snakemake merges it (a mapping such as {} into
    # a scalar leaves the scalar), so the verdict is on the merged config, not the file alone.
    merged = shipped()
    update_config(merged, load_configfile(str(path)))
    expected = verdict(merged)
    result = snakemake(ROOT, "--dry-run", "--cores", "1", "--configfile", str(path), timeout=300)
    check_run(result, expected, key)


@CLI_SETTINGS
@given(key=st.sampled_from(KEYS), value=st.one_of(VALUE.map(to_flow_yaml), st.text(max_size=20)))
def test_a_command_line_value_plans_or_is_one_named_paragraph(key, value):
    entry = f"{key}={value}"
    assume("\x00" not in entry)  # no command line can carry a NUL byte
    expected = verdict(from_command_line(entry))
    result = snakemake(ROOT, "--dry-run", "--cores", "1", "--config", entry, timeout=300)
    check_run(result, expected, key)
