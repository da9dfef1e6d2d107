"""The conda environment and the pip requirements pin the same versions."""

import re

import yaml

from tests.conftest import ROOT


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "envs" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = re.split(r"==", line)
            pins[name.lower()] = version
    return pins


def test_requirements_are_pinned_exactly():
    for line in (ROOT / "envs" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        assert not line or "==" in line, line


def test_conda_env_equals_pip_pins():
    env = yaml.safe_load((ROOT / "envs" / "pipeline.yaml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pins = dict(item.lower().split("==") for item in pip_section)
    assert conda_pins == pip_pins()


def test_test_requirements_include_runtime():
    text = (ROOT / "envs" / "requirements-test.txt").read_text()
    assert "-r requirements.txt" in text
