"""ctypes backend: ``fib.c`` compiled into a plain shared library.

One library, two ways of calling it. ``ctypes.CDLL`` releases the GIL around
every foreign call; ``ctypes.PyDLL`` keeps it held. So the gil and nogil entry
points run the very same machine code and differ only in what ctypes does
with the GIL, which is the cleanest contrast of the three compiled backends.
The library is built with the same ``cflags`` as the Cython extension (see
docs/method.md, "The build-flag finding": loop alignment matters as much here as there).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from pathlib import Path

from kernels import _toolchain

SOURCE = Path(__file__).with_name("fib.c")
SOURCES = [SOURCE, Path(__file__), Path(__file__).with_name("_toolchain.py")]
USES_CFLAGS = True
#: A plain C library: the compiler, but neither Python's headers nor any package; CDLL releases the GIL.
REQUIRES = {"build": [], "run": []}
NEEDS_COMPILER = True
NEEDS_HEADERS = False
NATIVE = True
RELEASES_GIL = True
#: Its two entry points, and what their code says about the GIL (the report holds the measurement against it).
MODES = ("gil", "nogil")
SOURCE_SAYS = {"gil": "holds", "nogil": "releases"}
SOURCE_CITES = "ctypes: a CDLL call releases the GIL around the C function, a PyDLL call holds it"
LIBRARY = "libfib.so"

#: ctypes loader per mode: CDLL drops the GIL during the call, PyDLL does not.
LOADERS: dict[str, type[ctypes.CDLL]] = {"nogil": ctypes.CDLL, "gil": ctypes.PyDLL}


def build(build_dir: Path, cflags: list[str]) -> dict:
    """Compile ``fib.c`` into ``build_dir/libfib.so``; return the manifest."""
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    output = build_dir / LIBRARY
    command = _toolchain.compile_shared([SOURCE], output, cflags, [])
    return {
        **_toolchain.compiled_manifest("ctypes", SOURCE, output, command, cflags),
        "loaders": {mode: loader.__name__ for mode, loader in LOADERS.items()},
    }


def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
    """Load the library with the loader for ``mode`` and return its typed ``fib``."""
    try:
        loader = LOADERS[mode]
    except KeyError:
        raise ValueError(f"unknown mode {mode!r}; allowed: {', '.join(LOADERS)}") from None
    library = loader(str(Path(build_dir).resolve() / LIBRARY))
    fib = library.fib
    fib.argtypes = [ctypes.c_uint64]
    fib.restype = ctypes.c_uint64
    return fib
