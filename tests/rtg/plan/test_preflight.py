"""Every input either passes preflight or is one ``Config error:`` paragraph naming its key (hypothesis).

The configs are made the way Snakemake makes them: values written to a YAML
config file and read back by Snakemake's own loader, or ``--config KEY=TEXT``
entries parsed by Snakemake's own command-line parser and merged over
config.yaml. ``tests/test_preflight_cli.py`` runs the same strategies through
the real ``snakemake`` executable.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from snakemake.cli import parse_config
from snakemake.common.configfile import load_configfile
from snakemake.utils import update_config, validate

from rtg.core.scenarios import parse as parse_scenario
from rtg.plan import config as rtg_config
from rtg.plan import grid as axes
from rtg.plan import order, preflight
from rtg.trial import watchdog

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
KEYS = sorted(rtg_config.load_schema(SCHEMA)["properties"])
#: Grid keys: the grid-size message names them all.
GRID_KEYS = ("interpreters", "executors", "backends", "scenarios", "n_values", "repetitions")
#: Keys Snakemake's --config accepts (two or more word characters): others never reach the Snakefile.
CLI_KEY = st.from_regex(r"[a-zA-Z_][\w-]*\w", fullmatch=True)


def shipped() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


# ---- strategies -------------------------------------------------------------------------------------------

NUMBER_TEXT = st.sampled_from(
    ["1e9", "2.5e8", "1.5e0", "1e-2", "-3", "0", "1_000", "1e400", "nan", "inf", "-inf", "0x10", "1e", ".5", "5."]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    NUMBER_TEXT,
)
ANY_VALUE = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
#: Values close to valid ones, where the bugs live: right words, wrong shapes, numbers as text.
TOKENS = st.sampled_from(
    [
        "cython",
        "numba",
        "ctypes",
        "python",
        "gil",
        "nogil",
        "nogil+gil",
        "gil+" * 40 + "gil",
        "threads",
        "processes",
        "auto",
        "-O2",
        "-\x00",
        "",
        "/usr/bin/true",
        "/no/such/python",
        "0.29.37",
        "python3",
    ]
)
NEAR_VALUE = st.one_of(
    TOKENS,
    NUMBER_TEXT,
    st.lists(st.one_of(TOKENS, NUMBER_TEXT, st.integers(min_value=-5, max_value=3 * 10**9)), max_size=4),
    st.dictionaries(st.sampled_from(["python", "cython", "numba", "fortran"]), st.one_of(NUMBER_TEXT, SCALARS)),
    st.integers(min_value=-3, max_value=200_000),
)
VALUE = st.one_of(ANY_VALUE, NEAR_VALUE)


def from_command_line(entry: str) -> dict:
    """config.yaml with one ``--config`` entry merged over it, as Snakemake does it.

    Snakemake's own parser fails on a few texts (a value of only '#' trips an
    ``assert`` in snakemake.cli before any Snakefile is read): those never reach
    the pipeline, so they are not examples of its behaviour.
    """
    try:
        parsed = parse_config([entry])
    except AssertionError:
        assume(False)
    config = shipped()
    update_config(config, parsed)
    return config


def to_flow_yaml(value) -> str:
    """How a user would type ``value`` after ``--config key=``."""
    if isinstance(value, (list, dict)):
        return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return str(value)


# ---- the property -----------------------------------------------------------------------------------------


def plan_like_the_snakefile(config: dict) -> None:
    """What common.smk and the rules compute from an accepted config: none of it may raise."""
    interps = preflight.run(config, SCHEMA, ROOT)
    validate(config, str(SCHEMA))  # Snakemake's own check agrees with ours
    points = axes.trial_points(config, interps)
    assert len(points) == preflight.trial_count(config, len(interps))
    if config["trial_group_size"] > 1:
        order.trial_groups(order.interleaved(points, config["order_seed"]), points, config["trial_group_size"])
    for scenario in config["scenarios"]:
        parse_scenario(scenario)
        for backend in config["backends"]:
            for n in axes.backend_n_values(backend, config["n_values"], config["n_scale"]):
                limit = watchdog.limit_seconds(config["trial_time_limit_s"], n, scenario.count("+") + 1)
                assert watchdog.runtime_minutes(limit) >= 1


def accepted_or_named(config: dict, keys: set[str]) -> None:
    """The property: the config plans, or it is refused in one paragraph naming one of ``keys``."""
    original = copy.deepcopy(config)
    try:
        plan_like_the_snakefile(config)
    except rtg_config.ConfigError as error:
        message = str(error)
        assert "\n" not in message and message.strip() == message, message
        named = {key for key in keys if repr(key) in message or f"'{key}'" in message}
        assert named, f"{message!r} names none of {keys}; config was {original!r}"
        return


@pytest.fixture(scope="module")
def base() -> dict:
    return shipped()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), value=VALUE)
def test_any_value_in_config_yaml_is_accepted_or_named(tmp_path_factory, key, value):
    config = shipped()
    config[key] = value
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    accepted_or_named(load_configfile(str(path)), {key})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), value=st.one_of(VALUE.map(to_flow_yaml), st.text(max_size=30)))
def test_any_command_line_value_is_accepted_or_named(key, value):
    accepted_or_named(from_command_line(f"{key}={value}"), {key})


@settings(max_examples=100, deadline=None)
@given(key=CLI_KEY.filter(lambda k: k not in KEYS), value=st.text(max_size=10))
def test_an_unknown_key_is_named_with_the_allowed_ones(key, value):
    config = from_command_line(f"{key}={value}")
    with pytest.raises(rtg_config.ConfigError) as raised:
        preflight.run(config, SCHEMA, ROOT)
    assert f"Unknown config key {key!r}" in str(raised.value)
    assert "n_values" in str(raised.value)  # the allowed keys are listed


@settings(max_examples=200, deadline=None)
@given(
    changes=st.dictionaries(st.sampled_from(KEYS), VALUE, min_size=2, max_size=5),
    extra=st.dictionaries(st.text(min_size=1, max_size=6).filter(lambda k: k not in KEYS), SCALARS, max_size=2),
)
def test_many_bad_keys_at_once_still_give_one_paragraph(tmp_path_factory, changes, extra):
    config = {**shipped(), **changes, **extra}
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    loaded = load_configfile(str(path))  # YAML may fold an odd key (U+0085 reads back as ' ')
    accepted_or_named(loaded, set(changes) | (set(loaded) - set(KEYS)) | set(GRID_KEYS))


# ---- regressions hypothesis found, and the issue's own examples, kept as plain tests ------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1e9", 10**9), ("2.5e8", 250_000_000), ("1_000", 1000), ("2000000", 2_000_000), ("1E3", 1000)],
)
def test_a_whole_number_in_scientific_notation_is_an_integer(text, expected):
    from_yaml = load_yaml_config(f"n_values: [{text}]\n")
    preflight.run(from_yaml, SCHEMA, ROOT)
    assert from_yaml["n_values"] == [expected]
    from_cli = shipped()
    update_config(from_cli, parse_config([f"n_values=[{text}]"]))
    preflight.run(from_cli, SCHEMA, ROOT)
    assert from_cli["n_values"] == [expected]


def load_yaml_config(text: str) -> dict:
    config = shipped()
    config.update(yaml.safe_load(text))
    return config


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("n_values: [1.5e0]", "n_values"),
        ("n_values: [1e400]", "n_values"),
        ("n_values: [10000000000000000000]", "n_values"),
        ("repetitions: 2.5", "repetitions"),
        ("repetitions: 1000000", "repetitions"),
        ("trial_time_limit_s: .nan", "trial_time_limit_s"),
        ("trial_time_limit_s: .inf", "trial_time_limit_s"),
        ("n_scale: {python: .inf}", "n_scale"),
        ("n_scale: {python: 1e300}", "n_scale"),
        ("n_scale: {python: abc}", "n_scale"),
        ('cython_cflags: ["-O2\\0"]', "cython_cflags"),
        ("scenarios: [" + "gil+" * 32 + "gil]", "scenarios"),
        ("interpreters: [/usr/bin/true]", "interpreters"),
        ('interpreters: ["/usr/bin/python3\\0"]', "interpreters"),
        ("{1: 2}", "1"),
        ("{null: 2}", "None"),
        ("n_values: {a: 1}", "n_values"),
        ("n_values: [[1, 2]]", "n_values"),
    ],
)
def test_bad_values_are_one_paragraph_naming_the_key(text, key):
    config = load_yaml_config(text)
    with pytest.raises(rtg_config.ConfigError) as raised:
        preflight.run(config, SCHEMA, ROOT)
    message = str(raised.value)
    assert "\n" not in message
    assert f"'{key}'" in message or f"key {key}" in message, message


def test_numbers_given_as_text_on_the_command_line_are_numbers():
    config = shipped()
    update_config(
        config,
        parse_config(["n_scale={python: 0.5}", "trial_time_limit_s=1e2", "repetitions=1e1", "pin_threads=False"]),
    )
    preflight.run(config, SCHEMA, ROOT)
    assert config["n_scale"] == {"python": 0.5, "python_private": 0.01}  # Snakemake merges mappings
    assert config["trial_time_limit_s"] == 100
    assert config["repetitions"] == 10
    assert config["pin_threads"] == [False]  # an axis: a plain value reads as a one-item list
    assert not math.isnan(config["n_scale"]["python"])


def test_absent_keys_get_their_defaults():
    config = {"backends": ["cython"]}
    preflight.run(config, SCHEMA, ROOT)
    assert config["n_values"] == shipped()["n_values"]
    assert config["interpreters"] == []


# --- thread_counts: a sweep of identical threads, bounded by the CPUs a trial may use ---------------------


def swept(cores: int | None = 2, **changes) -> tuple[dict, dict]:
    """A config with ``changes`` planned as the Snakefile plans it with --cores ``cores``; the handed-on CPUs."""
    config = {**shipped(), "backends": ["cython"], "safety_experiment": False, **changes}
    environ: dict[str, str] = {}
    interps = preflight.run(config, SCHEMA, ROOT, cores=cores, environ=environ)
    points = axes.trial_points(config, interps)
    assert len(points) == preflight.trial_count(config, len(interps))
    return config, environ


def test_auto_thread_counts_run_one_to_the_cores_a_trial_may_use_and_hand_that_on(monkeypatch):
    monkeypatch.delenv(axes.USABLE_CPUS_VARIABLE, raising=False)
    config, environ = swept(cores=1, scenarios=[], thread_counts=["auto"])
    assert config["thread_counts"] == [1]
    assert axes.backend_scenarios(config, "cython") == ["gil", "nogil"]
    assert environ == {axes.USABLE_CPUS_VARIABLE: "1"}
    # A job the run started (on a cluster node, say) expands the same grid, whatever its own CPUs.
    monkeypatch.setenv(axes.USABLE_CPUS_VARIABLE, "3")
    config, _ = swept(cores=1, scenarios=[], thread_counts="auto")
    assert config["thread_counts"] == [1, 2, 3]


def test_the_sweep_adds_to_the_scenarios_each_once(monkeypatch):
    monkeypatch.delenv(axes.USABLE_CPUS_VARIABLE, raising=False)
    config, _ = swept(scenarios=["nogil+gil", "gil+gil"], thread_counts=[1, 2])
    assert axes.backend_scenarios(config, "cython") == ["nogil+gil", "gil+gil", "gil", "nogil", "nogil+nogil"]


def test_more_threads_than_usable_cpus_is_a_config_error_unless_asked_for(monkeypatch):
    monkeypatch.delenv(axes.USABLE_CPUS_VARIABLE, raising=False)
    with pytest.raises(rtg_config.ConfigError) as error:
        swept(cores=2, thread_counts=[1, 2, 3, 4])
    message = str(error.value)
    assert message.startswith("Invalid config value 'thread_counts': T = 3, 4 threads are more than the 2 CPUs")
    assert "oversubscribe: true" in message and "\n" not in message
    config, _ = swept(cores=2, thread_counts=[4], oversubscribe=True)
    assert "gil+gil+gil+gil" in axes.backend_scenarios(config, "cython")


@pytest.mark.parametrize(
    ("changes", "start"),
    [
        ({"thread_counts": ["auto", 2]}, "Invalid config value 'thread_counts': ['auto', 2]; auto stands alone"),
        ({"scenarios": []}, "Invalid config value 'scenarios': it is empty and thread_counts is [] too"),
        ({"scenarios": ["call+call"]}, "Invalid config value 'scenarios': no backend offers every mode of 'call+call'"),
    ],
)
def test_a_sweep_or_scenario_that_cannot_run_is_named(monkeypatch, changes, start):
    monkeypatch.delenv(axes.USABLE_CPUS_VARIABLE, raising=False)
    with pytest.raises(rtg_config.ConfigError) as error:
        swept(**changes)
    assert str(error.value).startswith(start), str(error.value)


def test_each_backend_runs_only_the_scenarios_of_its_own_modes(monkeypatch, tmp_path):
    monkeypatch.delenv(axes.USABLE_CPUS_VARIABLE, raising=False)
    (tmp_path / "one_call.py").write_text(
        "from pathlib import Path\nSOURCES = [Path(__file__)]\nUSES_CFLAGS = False\nMODES = ('call',)\n"
        "reference = None\ndef build(build_dir, cflags):\n    return {}\n"
        "def entry_point(mode, build_dir):\n    return lambda n: n\n"
    )
    config, _ = swept(
        backends=["cython", "one_call"], kernel_paths=[str(tmp_path)], scenarios=["gil", "call"], thread_counts=[2]
    )
    assert axes.backend_scenarios(config, "cython") == ["gil", "gil+gil", "nogil+nogil"]
    assert axes.backend_scenarios(config, "one_call") == ["call", "call+call"]
    with pytest.raises(rtg_config.ConfigError, match=r"none is made of the modes of one_call \(cython: gil, nogil; "):
        swept(backends=["cython", "one_call"], kernel_paths=[str(tmp_path)], scenarios=["gil"])
