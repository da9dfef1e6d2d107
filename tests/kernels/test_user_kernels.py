"""The user's own kernels: found in kernel_paths, checked before any job, each problem one Config error."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml

import kernels
from rtg.plan import config as rtg_config
from rtg.plan import preflight

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
GOOD = """
from pathlib import Path
SOURCES = [Path(__file__)]
USES_CFLAGS = False
def build(build_dir, cflags):
    return {}
def entry_point(mode, build_dir):
    return lambda n: n
def reference(n):
    return n
"""


@pytest.fixture(autouse=True)
def no_user_kernels():
    yield
    kernels.use_paths([])


def config_with(**values) -> dict:
    config = copy.deepcopy(yaml.safe_load((ROOT / "config.yaml").read_text()))
    config.update(values)
    return config


def folder(tmp_path: Path, **modules: str) -> Path:
    path = tmp_path / "mine"
    path.mkdir(exist_ok=True)
    for name, text in modules.items():
        (path / f"{name}.py").write_text(text)
    return path


def test_every_module_is_a_backend_named_after_its_file_and_helpers_are_not(tmp_path):
    mine = folder(tmp_path, ident=GOOD, _helper="X = 1\n")
    found = kernels.use_paths([mine])
    assert found == {"ident": mine / "ident.py"}
    assert os.environ[kernels.PATHS_VARIABLE] == str(mine)  # what builds and trials in other processes read
    assert kernels.names()[-1] == "ident" and kernels.problems("ident") == []
    assert kernels.load("ident").entry_point("gil", tmp_path)(7) == 7
    assert kernels.check_of("ident") == "reference" and kernels.reference_of("ident")(5) == 5
    assert kernels.check_of("cython") == "fibonacci"


def test_relative_kernel_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    folder(tmp_path, ident=GOOD)
    monkeypatch.chdir(tmp_path)
    config = config_with(kernel_paths=["mine"], backends=["ident"])
    preflight.run(config, SCHEMA, ROOT)
    assert kernels.user_kernels() == {"ident": tmp_path / "mine" / "ident.py"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("SOURCES = []\nUSES_CFLAGS = False\n", "it lacks build; it lacks entry_point"),
        (GOOD.replace("SOURCES = [Path(__file__)]", "SOURCES = [Path(__file__).with_name('gone.pyx')]"),
         "its SOURCES file {folder}/gone.pyx does not exist"),
        (GOOD.replace("SOURCES = [Path(__file__)]", "SOURCES = 'kernel.pyx'"), "its SOURCES is not a list of paths"),
        (GOOD + "\nimport no_such_module_here\n", "it cannot be imported (ModuleNotFoundError"),
        (GOOD + "\nreference = 3\n", "its reference is neither a function nor None"),
        (GOOD.replace("def build(build_dir, cflags):", "build = 1\ndef _build(build_dir, cflags):"),
         "its build is not a function"),
    ],
)  # fmt: skip
def test_a_broken_kernel_is_one_config_error_naming_the_file_and_what_is_missing(tmp_path, text, problem):
    mine = folder(tmp_path, broken=text)
    config = config_with(kernel_paths=[str(mine)], backends=["cython"])
    with pytest.raises(rtg_config.ConfigError) as caught:
        preflight.run(config, SCHEMA, ROOT)
    message = str(caught.value)
    assert message.startswith(f"Invalid config value 'kernel_paths': the kernel {mine / 'broken.py'} cannot be")
    assert problem.format(folder=mine) in message and "\n" not in message


def test_a_kernel_named_like_a_built_in_backend_is_refused(tmp_path):
    mine = folder(tmp_path, cython=GOOD)
    with pytest.raises(rtg_config.ConfigError, match="clashes with the built-in backend 'cython': rename the file"):
        preflight.run(config_with(kernel_paths=[str(mine)]), SCHEMA, ROOT)


def test_a_kernel_path_that_is_no_folder_is_refused(tmp_path):
    with pytest.raises(rtg_config.ConfigError, match="'kernel_paths': .*nowhere' is not a folder"):
        preflight.run(config_with(kernel_paths=[str(tmp_path / "nowhere")]), SCHEMA, ROOT)


@pytest.mark.parametrize("key", ["backends", "n_scale"])
def test_an_unknown_backend_names_the_built_in_ones_and_kernel_paths(key):
    value = ["mine"] if key == "backends" else {"mine": 0.5}
    with pytest.raises(rtg_config.ConfigError) as caught:
        preflight.run(config_with(**{key: value}), SCHEMA, ROOT)
    message = str(caught.value)
    assert f"Invalid config value '{key}': unknown backend 'mine'; allowed: cython, numba" in message
    assert "kernel_paths" in message
