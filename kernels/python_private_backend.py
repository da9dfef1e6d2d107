"""Pure Python with a mask object private to each thread: the test of the free-threaded contention finding.

The loop is ``kernels/python_backend.py``'s (the same function), but each call
passes a mask object it made itself instead of the module's shared ``MASK64``. On a free-threaded
CPython every object has a reference count its creating thread updates
cheaply and a shared one every other thread updates atomically (biased
reference counting, PEP 703); two threads reading one module constant millions
of times contend on that shared count. With a private mask they do not. On a
GIL build both loops behave alike. Measured (3.13.5t, 2 threads, n = 1e6):
see docs/free-threading.md, "Pure Python without a GIL".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kernels import python_backend
from kernels._toolchain import sha256_of

SOURCE = Path(__file__)
SOURCES = [SOURCE, python_backend.SOURCE]
USES_CFLAGS = False
#: Pure Python like python_backend: interpreted, and its ``nogil`` mode holds the GIL.
REQUIRES = {"build": [], "run": []}
NEEDS_COMPILER = False
NEEDS_HEADERS = False
NATIVE = False
RELEASES_GIL = False
#: Its two entry points, and what their code says about the GIL (the report holds the measurement against it).
MODES = ("gil", "nogil")
SOURCE_SAYS = {"gil": "holds", "nogil": "holds"}
SOURCE_CITES = "pure Python bytecode runs under the GIL; both copies are the same loop"


def fib(n: int) -> int:
    """F(n) mod 2**64 by the same loop, masking with an int this call made (this thread owns its reference count)."""
    return python_backend.loop(n, int.from_bytes(b"\xff" * 8, "little"))  # == MASK64, but not shared


def build(build_dir: Path, cflags: list[str]) -> dict:
    """Nothing to compile: the pure-Python manifest, under this backend's name and source."""
    manifest = python_backend.build(build_dir, cflags)
    return {**manifest, "backend": "python_private", "source_sha256": sha256_of(SOURCE)}


def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
    """The same ``fib`` for both modes: pure Python cannot release the GIL."""
    del build_dir
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")
    return fib
