# cython: language_level=3, boundscheck=False, wraparound=False, freethreading_compatible=True
"""The blog's loop in Cython: one ``nogil`` C function, two wrappers."""

from libc.stdint cimport uint64_t


# ``nogil`` only says the function may run without the GIL; it does not
# release it. The loop wraps modulo 2**64 (unsigned overflow is defined in C).
cdef uint64_t fibonacci(uint64_t n) noexcept nogil:
    if n <= 1:
        return n
    cdef uint64_t a = 0, b = 1, c = 0
    c = a + b
    cdef uint64_t i
    for i in range(2, n):
        a = b
        b = c
        c = a + b
    return c


def fib_nogil(uint64_t n):
    """F(n) mod 2**64, computed with the GIL released."""
    cdef uint64_t value
    with nogil:
        value = fibonacci(n)
    return value


def fib_gil(uint64_t n):
    """F(n) mod 2**64, computed while holding the GIL."""
    return fibonacci(n)
