"""The jitted loops of scale_numba.py (a helper module: its name starts with '_', so it is no backend).

Imported only after NUMBA_CACHE_DIR points into the build folder, so the cache
lands under results/ and a trial only loads machine code.
"""

from numba import njit

A = 6364136223846793005
B = 1442695040888963407


@njit(nogil=True, cache=True)
def scale_nogil(n):
    x = 1
    for _i in range(n):
        x = A * x + B  # int64 wraps: the caller reduces the result mod 2**64
    return x


@njit(cache=True)
def scale_gil(n):
    x = 1
    for _i in range(n):
        x = A * x + B
    return x
