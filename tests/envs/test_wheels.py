"""Every pin installs on CPython 3.11 to 3.15, and the interpreter packages on 3.13t to 3.15t.

The package index is asked through pip itself (so the machine's pip configuration
picks the index), for each target CPython in turn: which file would pip take for
each pin, with the target's version, ABI and this machine's platform tags? pip's
choice is checked again against the target's tags (packaging.tags) and the file's
Requires-Python. Without this check a new release, or a pin moved for one version,
breaks the README's install line on another without anyone noticing. The table it
finds is the one docs/interpreters.md shows, so that page states the range as it is.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest
from packaging import tags
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename

from tests.conftest import ROOT

# Asks the package index about every pin (about a minute): not in the quick loop, always in CI.
pytestmark = pytest.mark.slow

#: The CPythons of the table: GIL builds run the pipeline (all pins); free-threaded ones are the
#: interpreters under test (tools/build-python.sh installs envs/requirements-interpreter.txt there).
TARGETS = ("cp311", "cp312", "cp313", "cp313t", "cp314", "cp314t", "cp315", "cp315t")
#: Pins that may come as an sdist: snakemake needs immutables, which has no cp314 or cp315 wheel.
SDIST_ALLOWED = {"immutables"}
#: Numba's compiled dependency: a free-threaded interpreter needs its wheel as much as Numba's.
INTERPRETER_DEPENDENCIES = {"numba": ["llvmlite"]}
#: Where a free-threaded interpreter lacks a backend's package, with the reason: that backend is
#: "not available" there (the pipeline says so), nothing fails.
KNOWN_GAPS = {
    ("numba", "cp313t"): "Numba 0.68.1 publishes no cp313t wheel",
    ("llvmlite", "cp313t"): "llvmlite 0.50.0 publishes no cp313t wheel",
    ("numba", "cp315t"): "Numba 0.68.1 publishes no cp315t wheel",
}
DOC = ROOT / "docs" / "interpreters.md"
TABLE_START, TABLE_END = "<!-- wheel-table: tests/envs/test_wheels.py -->", "<!-- /wheel-table -->"


def version_of(target: str) -> tuple[int, int]:
    return int(target[2]), int(target[3:].rstrip("t"))


def environment(target: str) -> dict[str, str]:
    major, minor = version_of(target)
    return {"python_version": f"{major}.{minor}", "python_full_version": f"{major}.{minor}.0"}


def requirements(name: str) -> list[Requirement]:
    lines = (ROOT / "envs" / name).read_text().splitlines()
    return [Requirement(stripped) for line in lines if (stripped := line.split("#", 1)[0].strip())]


def pins() -> list[Requirement]:
    return requirements("requirements.txt")


def interpreter_names() -> set[str]:
    names = {canonicalize_name(r.name) for r in requirements("requirements-interpreter.txt")}
    return names | {dep for name in names for dep in INTERPRETER_DEPENDENCIES.get(name, [])}


def applies(pin: Requirement, target: str) -> bool:
    return pin.marker is None or pin.marker.evaluate(environment(target))


def pinned(pin: Requirement) -> str:
    """``name==version``, the marker dropped: pip evaluates markers for the running Python, not the target."""
    return f"{pin.name}{pin.specifier}"


def target_tags(target: str) -> set[tags.Tag]:
    """The tags a CPython ``target`` accepts on this machine's platform (abi3 not for a free-threaded one)."""
    version, platforms = version_of(target), list(tags.platform_tags())
    accepted = set(tags.cpython_tags(version, abis=[target], platforms=platforms))
    if target.endswith("t"):
        accepted = {tag for tag in accepted if tag.abi != "abi3"}
    return accepted | set(tags.compatible_tags(version, "cp", platforms))


def ask_pip(target: str, requested: list[str], *, binary: bool, tmp: Path) -> subprocess.CompletedProcess:
    """pip's own resolution of ``requested`` (no dependencies) for ``target``: a dry run with a report."""
    major, minor = version_of(target)
    platforms = [arg for platform in tags.platform_tags() for arg in ("--platform", platform)]
    command = [
        sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps", "--ignore-installed",
        "--use-feature=fast-deps", "--ignore-requires-python", "--disable-pip-version-check",
        "--target", str(tmp / "target"), "--report", str(tmp / "report.json"),
        "--python-version", f"{major}.{minor}", "--implementation", "cp", "--abi", target, *platforms,
        *(["--only-binary=:all:"] if binary else ["--no-binary=:all:"]), *requested,
    ]  # fmt: skip
    (tmp / "report.json").unlink(missing_ok=True)
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def cell(target: str, item: dict) -> str:
    """'wheel' or 'sdist' for pip's choice, after checking its tags and Requires-Python for ``target``."""
    filename = item["download_info"]["url"].rsplit("/", 1)[-1]
    requires = item["metadata"].get("requires_python")
    if requires and not SpecifierSet(requires).contains(environment(target)["python_full_version"]):
        return "none"
    if not filename.endswith(".whl"):
        return "sdist"
    return "wheel" if parse_wheel_filename(filename)[3] & target_tags(target) else "none"


@cache
def table(tmp: Path) -> dict[tuple[str, str], str]:
    """(pin as written, target) -> 'wheel', 'sdist', 'none', or '–' where its marker excludes the target.

    The targets are asked side by side: pip mostly waits for the index here, not for the CPU."""
    sdists = {
        pinned(pin): sdist(pinned(pin), tmp / "sdist") for pin in pins() if canonicalize_name(pin.name) in SDIST_ALLOWED
    }
    found: dict[tuple[str, str], str] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for column in pool.map(lambda target: ask_column(target, tmp / target, sdists), TARGETS):
            found.update(column)
    return found


def ask_column(target: str, tmp: Path, sdists: dict[str, dict | None]) -> dict[tuple[str, str], str]:
    tmp.mkdir(parents=True, exist_ok=True)
    wanted = {pinned(pin): str(pin) for pin in pins() if applies(pin, target)}
    found = {(str(pin), target): "–" for pin in pins() if not applies(pin, target)}
    remaining = list(wanted)
    while remaining:  # pip stops at the first pin without a file: note it as 'none', ask again without it
        done = ask_pip(target, remaining, binary=True, tmp=tmp)
        if done.returncode == 0:
            for item in json.loads((tmp / "report.json").read_text())["install"]:
                name = canonicalize_name(item["metadata"]["name"])
                [asked] = [r for r in remaining if canonicalize_name(Requirement(r).name) == name]
                found[(wanted[asked], target)] = cell(target, item)
            break
        missing = re.search(r"No matching distribution found for (\S+)", done.stderr)
        if not missing or missing[1] not in remaining:
            unavailable(f"pip could not ask the package index for {target}: {done.stderr[-1500:]}")
        found[(wanted[missing[1]], target)] = "none"
        remaining.remove(missing[1])
    for asked, item in sdists.items():  # no wheel, but an sdist may do (immutables)
        if asked in wanted and found[(wanted[asked], target)] == "none" and item:
            found[(wanted[asked], target)] = cell(target, item)
    return found


def sdist(requested: str, tmp: Path) -> dict | None:
    """pip's report of ``requested``'s sdist (the same file for every target; its metadata is built once)."""
    tmp.mkdir(parents=True, exist_ok=True)
    done = ask_pip("cp311", [requested], binary=False, tmp=tmp)
    return json.loads((tmp / "report.json").read_text())["install"][0] if done.returncode == 0 else None


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[tuple[str, str], str]:
    return table(tmp_path_factory.mktemp("wheels"))


def markdown(found: dict[tuple[str, str], str]) -> str:
    """The table as docs/interpreters.md shows it."""
    lines = ["| pin | " + " | ".join(TARGETS) + " |", "|---|" + "---|" * len(TARGETS)]
    for pin in pins():
        shown = str(pin).replace('"', "")
        lines.append(f"| `{shown}` | " + " | ".join(found[(str(pin), target)] for target in TARGETS) + " |")
    return "\n".join(lines)


def test_every_pin_has_a_wheel_for_each_gil_cpython_it_serves(wheels):
    """The README's install line, on CPython 3.11 to 3.15: a wheel for each pin (immutables: its sdist)."""
    wrong = []
    for target in (t for t in TARGETS if not t.endswith("t")):
        for pin in (p for p in pins() if applies(p, target)):
            got = wheels[(str(pin), target)]
            if got != "wheel" and not (canonicalize_name(pin.name) in SDIST_ALLOWED and got == "sdist"):
                wrong.append(f"{pin} on {target}: {got}")
    assert not wrong, "pins that cannot install (move the pin, or add a marker):\n" + "\n".join(wrong)


def test_the_interpreter_packages_have_wheels_for_free_threaded_cpython(wheels):
    """cp314t above all: Numba and llvmlite there let the blog's whole experiment run without a GIL."""
    wrong = []
    for target in (t for t in TARGETS if t.endswith("t")):
        for pin in (p for p in pins() if applies(p, target)):
            name, got = canonicalize_name(pin.name), wheels[(str(pin), target)]
            if name in interpreter_names() and (name, target) not in KNOWN_GAPS and got != "wheel":
                wrong.append(f"{pin} on {target}: {got}")
    assert not wrong, "interpreter packages without a wheel:\n" + "\n".join(wrong)
    numba = [p for p in pins() if canonicalize_name(p.name) in {"numba", "llvmlite"}]
    assert numba and all(wheels[(str(p), "cp314t")] == "wheel" for p in numba)


def test_the_docs_show_the_table_as_it_is(wheels):
    text = DOC.read_text()
    assert TABLE_START in text and TABLE_END in text, f"{DOC} lacks the table's markers"
    shown = text.split(TABLE_START)[1].split(TABLE_END)[0].strip()
    assert shown == markdown(wheels), f"update the table in {DOC} to:\n{markdown(wheels)}"


if __name__ == "__main__":  # print the table: python -m tests.envs.test_wheels
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        print(markdown(table(Path(scratch))))
