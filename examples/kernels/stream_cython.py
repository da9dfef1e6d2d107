"""A memory-bound kernel of your own: sum a buffer of n uint64 values (Cython, stream.pyx).

Copy this folder, list it in ``kernel_paths`` and ``stream_cython`` in
``backends``. Each thread streams through a buffer of its own, allocated and
written by ``prepare`` outside the timed region, so the timed region only reads
memory: with n = 2**25 (256 MiB per thread) far more than any cache holds, the
loop runs at the speed of memory, and two threads share its bandwidth.
Value i of the buffer is i, so the sum of n values has the closed form
n(n - 1)/2 mod 2**64: ``reference`` checks every call against it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kernels import toolkit

PYX = Path(__file__).with_name("stream.pyx")
#: What the build depends on: a change to either rebuilds and reruns this backend only.
SOURCES = [PYX, Path(__file__)]
#: cython_cflags apply to the compiled loop.
USES_CFLAGS = True
#: One uint64 read per iteration: the report shows bytes per second next to the machine's copy bandwidth.
BYTES_PER_ITERATION = 8
#: What an interpreter of config ``interpreters`` must have: Cython to translate, numpy for the buffers,
#: a C compiler and its Python headers. Left out: NATIVE and RELEASES_GIL (both True, as for any compiled loop).
REQUIRES = {"build": ["Cython"], "run": ["numpy"]}
NEEDS_COMPILER = True
NEEDS_HEADERS = True


def build(build_dir: Path, cflags: list[str]) -> dict:
    """Translate and compile stream.pyx into ``build_dir``; the manifest records the toolchain."""
    return toolkit.build_cython(PYX, build_dir, cflags, "stream_cython")


def _values(n: int):
    import numpy as np

    return np.arange(n, dtype=np.uint64)  # written here: every page is touched before it is timed


def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
    """``sum_<mode>`` over a fresh buffer of n values (the warm-up and checks; trials use ``prepare``)."""
    function = getattr(toolkit.import_extension(build_dir, "stream"), f"sum_{mode}")
    return lambda n: int(function(_values(max(n, 1)), n))


def prepare(mode: str, build_dir: Path, n: int, thread: int) -> Callable[[int], int]:
    """Thread ``thread``'s own buffer of n values, made outside the timed region; calls of up to n values."""
    del thread  # every thread gets a buffer of its own, whatever its index
    function = getattr(toolkit.import_extension(build_dir, "stream"), f"sum_{mode}")
    values = _values(max(n, 1))
    return lambda m: int(function(values, m))


def reference(n: int) -> int:
    """0 + 1 + ... + (n - 1) mod 2**64, in closed form."""
    return (n * (n - 1) // 2) % (1 << 64)
