"""tools/build-python.sh: the mirror from apt's own configuration, one line for a version listed but not served,
and a build from a CPython tarball the user brings, through the same cache, venv and last line.

The mirror tests give apt a configuration of their own through APT_CONFIG (apt's own variable), so real
apt-config reads real deb822 and one-line files. The build tests use the upstream tarball that Debian's
python3.13 source package carries (build-python.sh downloads it for the Debian build, which .ci/run makes).
"""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "tools" / "build-python.sh"
BUILD_TIMEOUT_S = 1800
CACHE = Path(
    os.environ.get("RTG_PYTHON_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "release-the-gil" / "pythons"
)
#: A company mirror's URL, as a user behind one has it in apt's sources (never contacted here).
COMPANY = "http://apt-mirror.example.internal/debian"


def build_python(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The script, as a user runs it (argument list, no shell)."""
    environment = {k: v for k, v in os.environ.items() if k != "RTG_DEBIAN_MIRROR"} | (env or {})
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, env=environment, check=False
    )


def one_paragraph_error(done: subprocess.CompletedProcess, code: int) -> str:
    """A user error: the exit code, nothing on stdout, one line on stderr, no traceback."""
    assert done.returncode == code, (done.returncode, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def apt_config(tmp_path: Path, sources_list: str = "", parts: dict[str, str] | None = None) -> dict[str, str]:
    """APT_CONFIG pointing apt at a sources.list and a sources.list.d of this test's own."""
    (tmp_path / "sources.list").write_text(sources_list)
    (tmp_path / "sources.list.d").mkdir()
    for name, text in (parts or {}).items():
        (tmp_path / "sources.list.d" / name).write_text(text)
    config = tmp_path / "apt.conf"
    config.write_text(
        f'Dir::Etc::sourcelist "{tmp_path / "sources.list"}";\nDir::Etc::sourceparts "{tmp_path / "sources.list.d"}";\n'
    )
    return {"APT_CONFIG": str(config)}


# --- the mirror: read from the machine's apt configuration, never named by the project ---------------------


def test_the_project_names_no_debian_mirror():
    """Every host comes from the machine's configuration: none is written into tools/."""
    for path in (ROOT / "tools").iterdir():
        if path.is_file():
            text = path.read_text(errors="replace")
            assert not re.search(r"debian\.(org|net)", text), path
    assert not re.search(r"(https?|ftp)://", SCRIPT.read_text()), "build-python.sh names a URL"


def test_the_mirror_comes_from_a_deb822_sources_file(tmp_path):
    security = "Types: deb\nURIs: http://security-mirror.example.internal/debian-security\nSuites: bookworm-security\n"
    disabled = "Types: deb\nURIs: http://old.example.internal/debian\nSuites: bookworm\nEnabled: no\n"
    main = (
        "# the company's mirror\nTypes: deb deb-src\nURIs: " + COMPANY + "/\nSuites: bookworm bookworm-updates\n"
        "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )
    other = "Types: deb\nURIs: https://vendor.example.internal/apt\nSuites: nodistro\nComponents: main\n"
    env = apt_config(tmp_path, parts={"a-vendor.sources": other, "debian.sources": f"{security}\n{disabled}\n{main}"})
    done = build_python("--show-mirror", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{COMPANY} (from {tmp_path / 'sources.list.d' / 'debian.sources'})"


def test_the_mirror_comes_from_a_one_line_list_file(tmp_path):
    lines = (
        "# deb http://commented.example.internal/debian bookworm main\n"
        "deb [arch=amd64] https://vendor.example.internal/apt stable-vendor main\n"
        f"deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {COMPANY} bookworm main\n"
    )
    env = apt_config(tmp_path, sources_list=lines)
    done = build_python("--show-mirror", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{COMPANY} (from {tmp_path / 'sources.list'})"


def test_the_override_wins_over_apt(tmp_path):
    env = apt_config(tmp_path, sources_list=f"deb {COMPANY} bookworm main\n")
    done = build_python("--show-mirror", env=env | {"RTG_DEBIAN_MIRROR": "http://proxy.example.internal/debian/"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "http://proxy.example.internal/debian (from RTG_DEBIAN_MIRROR)"


def test_no_debian_source_in_apt_is_one_clear_paragraph(tmp_path):
    env = apt_config(tmp_path, parts={"vendor.list": "deb https://vendor.example.internal/apt nodistro main\n"})
    env["RTG_PYTHON_CACHE"] = str(tmp_path / "cache")  # an empty cache: the source must be fetched
    line = one_paragraph_error(build_python("3.13", env=env), 1)
    assert "found no Debian mirror" in line and "RTG_DEBIAN_MIRROR" in line and "--from-tarball" in line


def test_the_machines_own_mirror_is_found():
    """This machine's apt has a Debian mirror (CI reads Debian's packages through it)."""
    done = build_python("--show-mirror")
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"\S+://\S+ \(from /\S+\)", done.stdout.strip()), done.stdout


@pytest.mark.parametrize(
    "args",
    [[], ["3"], ["3.13", "--nogil"], ["--from-tarball"], ["--from-tarball", "x.tar.xz"], ["--show-mirror", "3.13"]],
)
def test_wrong_arguments_are_one_usage_line(args):
    assert "usage:" in one_paragraph_error(build_python(*args), 2)


# --- a version the suites list but the mirror does not serve -------------------------------------------------


@pytest.mark.slow
def test_a_listed_but_unserved_version_ends_in_one_line_naming_its_suite():
    """Debian lists python3.14 (forky, sid), but the mirror these machines reach answers 404 for its files."""
    done = build_python("3.14", timeout=600)
    if done.returncode == 0:  # the mirror serves it by now: the build ran, and its last line is the interpreter
        python = done.stdout.strip().splitlines()[-1]
        assert Path(python).is_file(), done.stdout
        return
    assert done.returncode == 1 and done.stdout == "", done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "Traceback" not in done.stderr
    listed = re.search(r"python3\.14 is listed by Debian (\w+) \(3\.14\.[^)]*\)", last)
    assert listed and listed[1] in ("forky", "sid"), last
    assert "does not serve its source here" in last and "--from-tarball" in last, last
    # each version tried said so in one line of its own, before the last
    assert re.search(r"Debian \w+ lists python3\.14 3\.14\.\S+, but \S+ does not serve", done.stderr), done.stderr


# --- --from-tarball -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def debian_tarball() -> Path:
    """The upstream tarball of Debian's python3.13 source package, as build-python.sh downloaded it."""
    done = build_python("3.13", "--disable-gil", timeout=BUILD_TIMEOUT_S)  # a finished build is reused
    if done.returncode != 0:
        message = f"tools/build-python.sh 3.13 --disable-gil failed: {done.stderr[-2000:]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    tarball = Path((CACHE / "src" / "3.13" / "done").read_text().splitlines()[0])
    assert tarball.is_file() and re.fullmatch(r"python3\.13_3\.13\.\d+\.orig\.tar\.\w+", tarball.name), tarball
    return tarball


def ask(python: str, code: str) -> str:
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.slow
def test_a_tarball_builds_a_free_threaded_cpython_of_its_own(debian_tarball):
    debian = build_python("3.13", "--disable-gil").stdout.strip().splitlines()[-1]
    done = build_python("--from-tarball", str(debian_tarball), "3.13", "--disable-gil", timeout=BUILD_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    python = done.stdout.strip().splitlines()[-1]
    # Its own cache entry, keyed by the tarball's content: never the Debian build's, though the bytes are equal.
    assert python != debian and re.search(r"/3\.13t-[0-9a-f]{12}/venv/bin/python$", python), python
    entry = Path(python).parents[2]
    assert (entry / "source").read_text().startswith(f"tarball {debian_tarball} sha256 ")
    assert (
        ask(python, "import sys, sysconfig; print(sysconfig.get_config_var('Py_GIL_DISABLED'), sys._is_gil_enabled())")
        == "1 False"
    )
    version = re.search(r"_(3\.13\.\d+)\.orig", debian_tarball.name)[1]
    assert ask(python, "import platform; print(platform.python_version())") == version
    has = "import importlib.util as u; print(u.find_spec('Cython') is not None, u.find_spec('numba') is not None)"
    assert ask(python, has) == "True False"  # Numba 0.68.1 has no cp313t wheel: left out, as for Debian's build
    again = build_python("--from-tarball", str(debian_tarball), "3.13", "--disable-gil", timeout=300)
    assert again.returncode == 0 and again.stdout.strip().splitlines()[-1] == python
    assert "building" not in again.stderr  # the same cache contract: a finished build is reused


@pytest.mark.slow
def test_a_tarball_of_another_version_is_one_clear_paragraph(debian_tarball):
    line = one_paragraph_error(build_python("--from-tarball", str(debian_tarball), "3.14", "--disable-gil"), 2)
    assert re.search(r"holds CPython 3\.13\.\d+, not 3\.14", line), line


def test_a_file_that_is_no_cpython_tarball_is_one_clear_paragraph(tmp_path):
    readme = tmp_path / "README"
    readme.write_text("not CPython\n")
    fake = tmp_path / "Python-3.14.2.tar.xz"
    with tarfile.open(fake, "w:xz") as archive:
        archive.add(readme, arcname="Python-3.14.2/README")
    line = one_paragraph_error(build_python("--from-tarball", str(fake), "3.14"), 2)
    assert "is not a CPython source tarball" in line, line
    missing = one_paragraph_error(build_python("--from-tarball", str(tmp_path / "nothing.tar.xz"), "3.14"), 2)
    assert "is not a readable file" in missing, missing
