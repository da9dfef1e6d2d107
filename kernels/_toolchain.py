"""Small helpers the compiled backends share: the C compiler and hashes.

Builds call the compiler with argument lists (never a shell string), so no
config value can be interpreted by a shell.
"""

from __future__ import annotations

import hashlib
import platform
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

# A kernel that cannot be built raises this (defined with the other user errors; kernels import it from here).
from rtg.core.errors import BuildError  # noqa: F401


def c_compiler() -> list[str]:
    """The compiler CPython was built with (``CC``), as an argument list."""
    return shlex.split(sysconfig.get_config_var("CC") or "cc")


def compiler_version(cc: list[str]) -> str:
    """First line of ``cc --version``: enough to tell gcc 12 from clang 16."""
    out = subprocess.run([*cc, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


def sha256_of(*paths: Path) -> str:
    """Hash of the files' bytes, so a manifest says exactly which source was built."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def compile_shared(sources: list[Path], output: Path, cflags: list[str], extra: list[str]) -> list[str]:
    """Compile ``sources`` into the shared object ``output``; return the command used."""
    cc = c_compiler()
    command = [*cc, *cflags, "-shared", "-fPIC", *extra, *map(str, sources), "-o", str(output)]
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True)
    except OSError as error:
        raise BuildError(
            f"the C compiler {cc[0]!r} that this Python was built with cannot be run: {error}. "
            f"Install it (on Debian: apt-get install gcc)"
        ) from None
    if done.returncode != 0:
        raise BuildError(
            f"the C compiler failed to build {output.name} (exit {done.returncode}) with cython_cflags "
            f"{list(cflags)}: {(done.stderr or done.stdout).strip()[-1500:]}\n"
            f"Check cython_cflags in config.yaml; the command was: {shlex.join(command)}"
        )
    return command


def compiled_manifest(backend: str, source: Path, output: Path, command: list[str], cflags: list[str]) -> dict:
    """The manifest fields every compiled backend records: toolchain, flags, hashes."""
    cc = c_compiler()
    return {
        "backend": backend,
        "compiler": " ".join(cc),
        "compiler_version": compiler_version(cc),
        "cflags": list(cflags),
        "command": command,
        "python_version": platform.python_version(),
        "python_executable": sys.executable,
        "source_sha256": sha256_of(source),
        "artifact": output.name,
        "artifact_sha256": sha256_of(output),
    }
