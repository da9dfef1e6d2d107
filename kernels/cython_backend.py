"""Cython backend: ``fib_cython.pyx`` compiled by the build rule into results/.

The extension is built with the user's ``cython_cflags`` (see README: without
``-funroll-loops`` or ``-falign-loops=64`` gcc may place one copy of the
inlined loop across a 64-byte boundary, and that copy runs 2x slower for a
reason that has nothing to do with the GIL).
"""

from __future__ import annotations

import importlib
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

from kernels import _toolchain
from kernels._toolchain import BuildError

SOURCE = Path(__file__).with_name("fib_cython.pyx")
SOURCES = [SOURCE, Path(__file__), Path(__file__).with_name("_toolchain.py")]
USES_CFLAGS = True
MODULE = "fib_cython"


def translate(build_dir: Path) -> str:
    """Cythonize the .pyx into ``build_dir``; return the Cython version used.

    Separate from compiling so an interpreter without Cython can still get an
    extension: the C that Cython writes is interpreter-agnostic, the compile
    step (``compile_extension``) is not.
    """
    import Cython
    from Cython.Compiler.Main import compile as cython_compile

    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    pyx_copy = build_dir / SOURCE.name
    pyx_copy.write_bytes(SOURCE.read_bytes())
    # Cython's own compiler entry point, not ``cythonize``: that one builds
    # distutils Extension objects, and distutils is gone from Python 3.12 on.
    result = cython_compile(str(pyx_copy), language_level=3)
    if result.num_errors or not result.c_file:
        raise BuildError(
            f"Cython {Cython.__version__} could not translate {SOURCE.name} "
            f"({result.num_errors} error(s), shown above): fix the .pyx"
        )
    return Cython.__version__


def compile_extension(build_dir: Path, cflags: list[str], cython_version: str) -> dict:
    """Compile ``build_dir``'s generated C against this interpreter; return the manifest."""
    build_dir = Path(build_dir)
    c_file = build_dir / f"{MODULE}.c"
    output = build_dir / f"{MODULE}{sysconfig.get_config_var('EXT_SUFFIX')}"
    includes = ["-I", sysconfig.get_paths()["include"]]
    command = _toolchain.compile_shared([c_file], output, cflags, includes)
    return {
        **_toolchain.compiled_manifest("cython", SOURCE, output, command, cflags),
        "cython_version": cython_version,
    }


def build(build_dir: Path, cflags: list[str]) -> dict:
    """Cythonize and compile the extension into ``build_dir``."""
    return compile_extension(build_dir, cflags, translate(build_dir))


def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
    """Import the built extension from ``build_dir`` and return its ``fib_<mode>``."""
    path = str(Path(build_dir).resolve())
    if path not in sys.path:
        sys.path.insert(0, path)
    module = importlib.import_module(MODULE)
    return getattr(module, f"fib_{mode}")
