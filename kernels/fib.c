/* The blog's loop in plain C, for the ctypes backend.
 *
 * ctypes decides whether the GIL is released, not this file: the same symbol
 * is called through ctypes.CDLL (GIL released around the call) and through
 * ctypes.PyDLL (GIL held). uint64_t arithmetic wraps modulo 2**64, which is
 * exactly the F(n) mod 2**64 every backend returns.
 */
#include <stdint.h>

uint64_t fib(uint64_t n)
{
    if (n <= 1) {
        return n;
    }
    uint64_t a = 0, b = 1, c = a + b;
    for (uint64_t i = 2; i < n; i++) {
        a = b;
        b = c;
        c = a + b;
    }
    return c;
}
