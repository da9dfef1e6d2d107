"""The config checker on its own (the CLI path is tested in tests/test_config_cli.py)."""

import re
from pathlib import Path

import pytest
import yaml

import kernels
from rtg.plan import config as rtg_config

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def default_config() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_shipped_config_is_valid():
    config = default_config()
    rtg_config.check(config, SCHEMA)


def test_schema_backends_name_every_built_in_and_admit_the_users_kernels():
    """Names are checked against the registry by preflight (kernel_paths adds names); the schema names them all."""
    schema = rtg_config.load_schema(SCHEMA)
    backends = schema["properties"]["backends"]
    assert (
        all(name in backends["description"] for name in kernels.BACKENDS) and "kernel_paths" in backends["description"]
    )
    pattern = re.compile(backends["items"]["pattern"])
    assert all(pattern.match(name) for name in [*kernels.BACKENDS, "stream_cython"])
    assert not pattern.match("not a name") and not pattern.match("../up")


def test_schema_defaults_equal_the_shipped_config():
    schema = rtg_config.load_schema(SCHEMA)
    config = default_config()
    assert {k: v["default"] for k, v in schema["properties"].items()} == config


def test_command_line_strings_become_ints():
    config = {**default_config(), "n_values": ["2000000", "1_000"], "repetitions": "3"}
    rtg_config.check(config, SCHEMA)
    assert config["n_values"] == [2000000, 1000]
    assert config["repetitions"] == 3


def test_single_value_becomes_a_list():
    config = {**default_config(), "backends": "numba", "n_values": 5}
    rtg_config.check(config, SCHEMA)
    assert config["backends"] == ["numba"]
    assert config["n_values"] == [5]


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"backends": ["not a name"]}, "backends"),
        ({"n_values": ["1.5"]}, "n_values"),
        ({"n_values": [-3]}, "n_values"),
        ({"repetitions": True}, "repetitions"),
        ({"scenarios": ["gil+GIL"]}, "scenarios"),
        ({"cython_cflags": ["O2; rm -rf /"]}, "cython_cflags"),
        ({"isolate_trials": "yes"}, "isolate_trials"),
        ({"repetiton": 3}, "repetiton"),
    ],
)
def test_problems_name_the_key(override, key):
    config = {**default_config(), **override}
    with pytest.raises(rtg_config.ConfigError) as error:
        rtg_config.check(config, SCHEMA)
    message = str(error.value)
    assert f"'{key}'" in message
    assert "\n" not in message
