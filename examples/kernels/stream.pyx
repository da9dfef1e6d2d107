# cython: language_level=3, boundscheck=False, wraparound=False, freethreading_compatible=True
"""Sum n uint64 values of a buffer: a memory-bound loop (8 bytes read per iteration, one add).

Two copies, as every kernel has: ``sum_gil`` holds the GIL for the whole loop,
``sum_nogil`` releases it. The sum wraps mod 2**64, like the C type.
"""

from libc.stdint cimport uint64_t


cdef uint64_t _sum(const uint64_t[::1] values, Py_ssize_t n) noexcept nogil:
    cdef uint64_t total = 0
    cdef Py_ssize_t i
    for i in range(n):
        total += values[i]
    return total


def sum_gil(const uint64_t[::1] values, Py_ssize_t n):
    """The sum of values[:n], holding the GIL."""
    return _sum(values, n)


def sum_nogil(const uint64_t[::1] values, Py_ssize_t n):
    """The sum of values[:n], with the GIL released around the loop."""
    cdef uint64_t total
    with nogil:
        total = _sum(values, n)
    return total
