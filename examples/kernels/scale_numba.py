"""A Numba kernel of your own, with its own reference: n steps of x = a*x + b mod 2**64 from x = 1.

Each step needs the one before (a chain of multiply-adds the compiler cannot
fold away, like most real loops). The loop lives in ``_scale_impl.py``
(jitted with and without ``nogil=True``); this module is the interface the
pipeline calls. ``build`` compiles both into Numba's on-disk cache under the
build folder, so no trial ever JIT-compiles. ``reference`` composes the affine
step with itself by repeated squaring: O(log n), sharing nothing with the loop.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from pathlib import Path

from kernels import toolkit

IMPL = Path(__file__).with_name("_scale_impl.py")
SOURCES = [IMPL, Path(__file__)]
USES_CFLAGS = False
#: Numba to compile and to load the cache in every trial (no C compiler: LLVM makes the machine code).
REQUIRES = {"build": ["numba"], "run": ["numba"]}
A = 6364136223846793005
B = 1442695040888963407
MASK64 = (1 << 64) - 1


def _impl(build_dir: Path):
    os.environ["NUMBA_CACHE_DIR"] = str(Path(build_dir).resolve() / "cache")
    return toolkit.import_beside(__file__, "_scale_impl")


def build(build_dir: Path, cflags: list[str]) -> dict:
    """JIT-compile both copies into the cache; cython_cflags do not apply to Numba."""
    del cflags
    Path(build_dir).mkdir(parents=True, exist_ok=True)
    impl = _impl(build_dir)
    for mode in ("gil", "nogil"):
        getattr(impl, f"scale_{mode}")(10)
    import numba

    return {"backend": "scale_numba", "numba_version": numba.__version__, "python_version": platform.python_version()}


def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
    """``scale_<mode>`` as a Python int in [0, 2**64); call it with a Python int."""
    jitted = getattr(_impl(build_dir), f"scale_{mode}")
    return lambda n: jitted(n) & MASK64


def reference(n: int) -> int:
    """x after n steps, by squaring the step x -> a*x + b (as the pair (a, b)) mod 2**64."""
    power, total = (A, B), (1, 0)  # the step, and the identity map
    while n:
        if n & 1:  # total = power after total
            total = ((power[0] * total[0]) & MASK64, (power[0] * total[1] + power[1]) & MASK64)
        power = ((power[0] * power[0]) & MASK64, (power[0] * power[1] + power[1]) & MASK64)
        n >>= 1
    return (total[0] * 1 + total[1]) & MASK64
