"""Pure-Python backend: the blog's loop with an explicit mod 2**64 mask.

This is the baseline the blog's readers start from. It can only hold the GIL:
the interpreter executes every bytecode with the GIL held and only hands it
over at switch-interval boundaries, so its ``nogil`` entry point is the same
code with nothing released (the report says so). It runs about 60 ns per
iteration here, ~200x the compiled loops, which is why config scales its n
down (``n_scale``).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from pathlib import Path

from kernels import MASK64, _toolchain

SOURCE = Path(__file__)
SOURCES = [SOURCE]
USES_CFLAGS = False
#: Interpreted bytecode that cannot release the GIL: never judged against the clock, a control in the answer.
REQUIRES = {"build": [], "run": []}
NEEDS_COMPILER = False
NEEDS_HEADERS = False
NATIVE = False
RELEASES_GIL = False
#: Its two entry points, and what their code says about the GIL (the report holds the measurement against it).
MODES = ("gil", "nogil")
SOURCE_SAYS = {"gil": "holds", "nogil": "holds"}
SOURCE_CITES = "pure Python bytecode runs under the GIL; both copies are the same loop"


def loop(n: int, mask: int) -> int:
    """F(n) mod 2**64; masking every step with ``mask`` (2**64 - 1) keeps the ints one machine word wide.

    Which int object ``mask`` is matters without a GIL (see python_private_backend).
    """
    if n <= 1:
        return n
    a, b = 0, 1
    c = a + b
    for _i in range(2, n):
        a = b
        b = c
        c = (a + b) & mask
    return c


def fib(n: int) -> int:
    """The loop with the module constant MASK64: one int object that every thread shares."""
    return loop(n, MASK64)


def build(build_dir: Path, cflags: list[str]) -> dict:
    """Nothing to compile; record the interpreter so trials can be traced to it."""
    del cflags
    Path(build_dir).mkdir(parents=True, exist_ok=True)
    return {
        "backend": "python",
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "python_executable": sys.executable,
        "source_sha256": _toolchain.sha256_of(SOURCE),
        "releases_gil": RELEASES_GIL,
    }


def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
    """The same ``fib`` for both modes: pure Python cannot release the GIL."""
    del build_dir
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")
    return fib
