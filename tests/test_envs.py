"""The conda environment and the pip requirements pin the same versions."""

import yaml
from packaging.requirements import Requirement

from tests.conftest import ROOT


def requirement_lines(name: str) -> list[str]:
    """The requirement lines of ``envs/<name>`` (comments and blank lines dropped)."""
    lines = (ROOT / "envs" / name).read_text().splitlines()
    return [stripped for line in lines if (stripped := line.split("#", 1)[0].strip())]


def pip_pins() -> dict[tuple[str, str], str]:
    """(name, marker) -> pinned version of envs/requirements.txt; one name may have a pin per marker."""
    pins = {}
    for line in requirement_lines("requirements.txt"):
        requirement = Requirement(line)
        pins[(requirement.name.lower(), str(requirement.marker or ""))] = next(iter(requirement.specifier)).version
    return pins


def test_requirements_are_pinned_exactly():
    for line in requirement_lines("requirements.txt"):
        specifiers = list(Requirement(line).specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", line


def test_a_name_pinned_twice_has_markers_that_never_overlap():
    """numpy and scipy have one pin up to 3.14 and another from 3.15: exactly one applies on each version."""
    by_name: dict[str, list[Requirement]] = {}
    for line in requirement_lines("requirements.txt"):
        requirement = Requirement(line)
        by_name.setdefault(requirement.name.lower(), []).append(requirement)
    for name, requirements in by_name.items():
        if len(requirements) == 1:
            continue
        for minor in range(11, 17):
            environment = {"python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0"}
            applies = [r for r in requirements if r.marker is not None and r.marker.evaluate(environment)]
            assert len(applies) == 1, (name, f"3.{minor}", [str(r) for r in applies])


def test_conda_env_equals_pip_pins():
    env = yaml.safe_load((ROOT / "envs" / "pipeline.yaml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pins = {}
    for requirement in map(Requirement, pip_section):
        key = (requirement.name.lower(), str(requirement.marker or ""))
        conda_pins[key] = next(iter(requirement.specifier)).version
    assert conda_pins == pip_pins()


def test_test_requirements_include_runtime():
    text = (ROOT / "envs" / "requirements-test.txt").read_text()
    assert "-r requirements.txt" in text


def test_the_interpreter_packages_are_pinned_in_the_runtime_pins_or_in_place():
    """tools/build-python.sh installs them with envs/requirements.txt as constraints: a name with neither a pin
    there nor one in place would install whatever is newest."""
    runtime = {name for name, _ in pip_pins()}
    for line in requirement_lines("requirements-interpreter.txt"):
        requirement = Requirement(line)
        assert requirement.name.lower() in runtime or str(requirement.specifier).startswith("=="), line
