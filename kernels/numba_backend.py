"""Numba backend: ``@njit(nogil=True)`` and plain ``@njit`` copies of the loop.

The build rule compiles both into Numba's on-disk cache under results/, so a
trial only loads machine code (no JIT in any trial, timed or not).
"""

from __future__ import annotations

import importlib
import os
import platform
from collections.abc import Callable
from pathlib import Path

from kernels import MASK64, _toolchain

IMPL = Path(__file__).with_name("_numba_impl.py")
SOURCES = [IMPL, Path(__file__)]
USES_CFLAGS = False
#: Numba JIT-compiles at build and loads its cache in every trial; LLVM, not the C compiler, makes the machine code.
REQUIRES = {"build": ["numba"], "run": ["numba"]}
NEEDS_COMPILER = False
NEEDS_HEADERS = False
NATIVE = True
RELEASES_GIL = True
#: Its two entry points, and what their code says about the GIL (the report holds the measurement against it).
MODES = ("gil", "nogil")
SOURCE_SAYS = {"gil": "holds", "nogil": "releases"}
SOURCE_CITES = "kernels/_numba_impl.py: the nogil copy is jitted with nogil=True, the gil copy without"


def _import_impl(build_dir: Path):
    """Point Numba's cache at ``build_dir`` and import the jitted functions."""
    os.environ["NUMBA_CACHE_DIR"] = str(Path(build_dir).resolve() / "cache")
    return importlib.import_module("kernels._numba_impl")


def build(build_dir: Path, cflags: list[str]) -> dict:
    """Compile both entry points into the cache; ``cflags`` do not apply to Numba."""
    del cflags
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    impl = _import_impl(build_dir)
    for mode in ("gil", "nogil"):
        getattr(impl, f"fib_{mode}")(10)
    import llvmlite
    import numba

    return {
        "backend": "numba",
        "numba_version": numba.__version__,
        "llvmlite_version": llvmlite.__version__,
        "python_version": platform.python_version(),
        "source_sha256": _toolchain.sha256_of(IMPL),
        "cache_dir": os.environ["NUMBA_CACHE_DIR"],
    }


def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
    """Return ``fib_<mode>`` wrapped to give a non-negative result mod 2**64.

    Always call it with a Python int: a numpy uint64 argument would make Numba
    compile (inside the timed region) a float64 version.
    """
    jitted = getattr(_import_impl(build_dir), f"fib_{mode}")

    def fib(n: int) -> int:
        return jitted(n) & MASK64

    fib.__name__ = f"numba_fib_{mode}"
    return fib
