"""Cython backend: ``fib_cython.pyx`` compiled by the build rule into results/.

The extension is built with the user's ``cython_cflags`` (see docs/method.md,
"The build-flag finding": without ``-funroll-loops`` or ``-falign-loops=64``
gcc may place one copy of the inlined loop across a 64-byte boundary, and that
copy runs 2x slower for a reason that has nothing to do with the GIL).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kernels import toolkit

SOURCE = Path(__file__).with_name("fib_cython.pyx")
SOURCES = [SOURCE, Path(__file__), Path(__file__).with_name("_toolchain.py"), Path(__file__).with_name("toolkit.py")]
USES_CFLAGS = True
#: Cython translates the .pyx (the running Python does it for an interpreter without Cython);
#: the C compiles against the interpreter's headers into an extension that releases the GIL in ``with nogil``.
REQUIRES = {"build": ["Cython"], "run": []}
NEEDS_COMPILER = True
NEEDS_HEADERS = True
NATIVE = True
RELEASES_GIL = True
#: Its two entry points, and what their code says about the GIL (the report holds the measurement against it).
MODES = ("gil", "nogil")
SOURCE_SAYS = {"gil": "holds", "nogil": "releases"}
SOURCE_CITES = "kernels/fib_cython.pyx: fib_nogil runs its loop in a `with nogil:` block; fib_gil does not"
MODULE = "fib_cython"


def translate(build_dir: Path) -> str:
    """Cythonize the .pyx into ``build_dir``; return the Cython version used (see ``toolkit.translate_cython``)."""
    return toolkit.translate_cython(SOURCE, build_dir)


def compile_extension(build_dir: Path, cflags: list[str], cython_version: str) -> dict:
    """Compile ``build_dir``'s generated C against this interpreter; return the manifest."""
    return toolkit.compile_cython(SOURCE, build_dir, cflags, cython_version, "cython")


def build(build_dir: Path, cflags: list[str]) -> dict:
    """Cythonize and compile the extension into ``build_dir``."""
    return compile_extension(build_dir, cflags, translate(build_dir))


def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
    """Import the built extension from ``build_dir`` and return its ``fib_<mode>``."""
    return getattr(toolkit.import_extension(build_dir, MODULE), f"fib_{mode}")
