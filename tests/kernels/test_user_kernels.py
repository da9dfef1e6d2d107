"""The user's own kernels: found in kernel_paths, checked before any job, each problem one Config error."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

import kernels
from rtg import report
from rtg.analysis import cycles
from rtg.build import interpreters
from rtg.plan import config as rtg_config
from rtg.plan import preflight
from tests.rtg.synthetic import simulate

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
        (GOOD + "\nNATIVE = 'no'\n", "its NATIVE is 'no', not True or False"),
        (GOOD + "\nRELEASES_GIL = 0\nNEEDS_COMPILER = None\n",
         "its NEEDS_COMPILER is None, not True or False; its RELEASES_GIL is 0, not True or False"),
        (GOOD + "\nREQUIRES = ['numba']\n",
         "its REQUIRES is ['numba'], not a dict of phase ('build' or 'run') to a list of module names"),
        (GOOD + "\nREQUIRES = {'run': 'numba'}\n", "its REQUIRES is {{'run': 'numba'}}, not a dict of phase"),
        (GOOD + "\nREQUIRES = {'test': ['pytest']}\n", "its REQUIRES is {{'test': ['pytest']}}, not a dict of phase"),
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


def test_a_kernel_that_states_nothing_gets_the_defaults_and_so_does_a_name_no_kernel_implements(tmp_path):
    kernels.use_paths([folder(tmp_path, ident=GOOD)])
    defaults = kernels.Stated(
        requires={},
        needs_compiler=False,
        needs_headers=False,
        native=True,
        releases_gil=True,
        modes=("gil", "nogil"),
        source_says={"gil": "holds", "nogil": "releases"},  # what a gil/nogil pair means, unless it says otherwise
    )
    assert kernels.stated("ident") == defaults == kernels.stated("results_of_another_run")
    assert interpreters.required_modules("ident", "build") == interpreters.required_modules("ident", "run") == []
    lacking_everything = {"missing": ["numba"], "headers_found": False, "compiler_found": False}
    assert interpreters.lacks(lacking_everything, ["ident"]) == []


def test_a_kernel_states_what_it_needs_like_a_built_in(tmp_path):
    facts = 'REQUIRES = {"build": ["Cython"], "run": ["numpy"]}\nNEEDS_COMPILER = True\nNEEDS_HEADERS = True\n'
    kernels.use_paths([folder(tmp_path, mine=GOOD + facts)])
    assert kernels.problems("mine") == []
    assert interpreters.required_modules("mine", "run") == ["numpy"]
    info = {"missing": ["numpy"], "headers_found": False, "headers": "/x", "compiler_found": False, "compiler": "cc9"}
    assert interpreters.lacks(info, ["mine", "cython"], ["run"]) == [
        "the package numpy (for mine)",
        "the Python headers (no Python.h in /x) (for cython, mine)",
        "its C compiler 'cc9' (for cython, mine)",
    ]
    assert interpreters.unavailable({**info, "python_implementation": "CPython", "python_version": "3.13.5",
                                     "version_info": [3, 13, 5], "gil_disabled_build": True}, ["mine"]) == {
        "mine": "numpy is not installed in cpython-3.13.5t (cp313t); tools/build-python.sh installs it only where "
        "the registry has a cp313t wheel"
    }  # fmt: skip


def test_the_examples_state_what_they_need():
    kernels.use_paths([ROOT / "examples" / "kernels"])
    problems = {name: kernels.problems(name) for name in kernels.user_kernels()}
    assert {"scale_numba", "stream_cython"} <= set(problems)
    assert all(found == [] for found in problems.values()), problems
    assert kernels.stated("stream_cython") == kernels.Stated(
        {"build": ("Cython",), "run": ("numpy",)},
        True,
        True,
        True,
        True,
        ("gil", "nogil"),
        {"gil": "holds", "nogil": "releases"},
    )
    assert kernels.stated("scale_numba").modules("run") == ["numba"]


def test_a_wrongly_typed_fact_is_refused_when_read_too(tmp_path):
    kernels.use_paths([folder(tmp_path, mine=GOOD + "\nRELEASES_GIL = 'yes'\n")])
    with pytest.raises(kernels.KernelError, match=r"mine\.py: its RELEASES_GIL is 'yes', not True or False"):
        kernels.stated("mine")


PURE_PYTHON = GOOD + "\nNATIVE = False\nRELEASES_GIL = False\n"


def _answer_of(backend: str) -> str:
    timings, threads = simulate(backends=("cython", backend), repetitions=5, ns_per_iter={backend: 0.28})
    parts = report.build(timings, threads, {})
    return report.answer(parts["summary"], parts["claims"], parts["flags"], parts["order_tests"], "a machine")[0]


def test_a_kernel_whose_nogil_holds_the_gil_is_a_control_left_out_of_the_answer_like_pure_python(tmp_path):
    kernels.use_paths([folder(tmp_path, slowpy=PURE_PYTHON, fastc=GOOD)])
    assert "Slowpy " not in _answer_of("slowpy") and "Cython " in _answer_of("slowpy")
    assert "Python " not in _answer_of("python")
    assert "Fastc " in _answer_of("fastc")  # the default: its nogil releases the GIL


def test_a_kernel_that_is_not_native_code_is_not_judged_against_the_clock(tmp_path):
    kernels.use_paths([folder(tmp_path, slowpy=PURE_PYTHON, fastc=GOOD)])
    n = 100_000_002
    timings = pd.DataFrame(
        [[backend, "gil", 1, n, 1, 60.0] for backend in ("slowpy", "fastc", "python")],
        columns=["backend", "scenario", "threads", "n", "rep", "wall_s"],
    )
    table = cycles.flag_slow(timings, clock_hz=4e9).set_index("backend")
    assert table["native"].to_dict() == {"fastc": True, "python": False, "slowpy": False}
    assert table["flagged"].to_dict() == {"fastc": True, "python": False, "slowpy": False}
    facts = {backend: kernels.facts(backend) for backend in ("cython", "python", "slowpy", "fastc")}
    assert cycles.native_backends(facts) == ["cython"]  # only the built-in loops have a known limit
