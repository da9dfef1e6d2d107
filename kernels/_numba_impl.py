"""The blog's loop under Numba, twice: one copy releases the GIL, one keeps it.

Imported only after ``NUMBA_CACHE_DIR`` points under results/ (see
``numba_backend``), so the on-disk cache never lands in the source tree.
Numba integers are signed int64 and wrap on overflow; the caller reduces the
result mod 2**64.
"""

from numba import njit


@njit(nogil=True, cache=True)
def fib_nogil(n):
    if n <= 1:
        return n
    a = 0
    b = 1
    c = a + b
    for _i in range(2, n):
        a = b
        b = c
        c = a + b
    return c


@njit(cache=True)
def fib_gil(n):
    if n <= 1:
        return n
    a = 0
    b = 1
    c = a + b
    for _i in range(2, n):
        a = b
        b = c
        c = a + b
    return c
