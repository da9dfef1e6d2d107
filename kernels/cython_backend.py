"""Cython backend: ``fib_cython.pyx`` compiled by the build rule into results/.

The extension is built with the user's ``cython_cflags`` (see README: without
``-funroll-loops`` or ``-falign-loops=64`` gcc may place one copy of the
inlined loop across a 64-byte boundary, and that copy runs 2x slower for a
reason that has nothing to do with the GIL).
"""

from __future__ import annotations

import importlib
import platform
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

from kernels import _toolchain

SOURCE = Path(__file__).with_name("fib_cython.pyx")
SOURCES = [SOURCE, Path(__file__), Path(__file__).with_name("_toolchain.py")]
USES_CFLAGS = True
MODULE = "fib_cython"


def build(build_dir: Path, cflags: list[str]) -> dict:
    """Cythonize and compile the extension into ``build_dir``."""
    import Cython
    from Cython.Build import cythonize

    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    c_file = build_dir / f"{MODULE}.c"
    pyx_copy = build_dir / SOURCE.name
    pyx_copy.write_bytes(SOURCE.read_bytes())
    cythonize([str(pyx_copy)], quiet=True, force=True, language_level=3)
    output = build_dir / f"{MODULE}{sysconfig.get_config_var('EXT_SUFFIX')}"
    includes = ["-I", sysconfig.get_paths()["include"]]
    command = _toolchain.compile_shared([c_file], output, cflags, includes)
    cc = _toolchain.c_compiler()
    return {
        "backend": "cython",
        "cython_version": Cython.__version__,
        "compiler": " ".join(cc),
        "compiler_version": _toolchain.compiler_version(cc),
        "cflags": list(cflags),
        "command": command,
        "python_version": platform.python_version(),
        "python_executable": sys.executable,
        "source_sha256": _toolchain.sha256_of(SOURCE),
        "artifact": output.name,
        "artifact_sha256": _toolchain.sha256_of(output),
    }


def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
    """Import the built extension from ``build_dir`` and return its ``fib_<mode>``."""
    path = str(Path(build_dir).resolve())
    if path not in sys.path:
        sys.path.insert(0, path)
    module = importlib.import_module(MODULE)
    return getattr(module, f"fib_{mode}")
