"""Safety case: the blog's recursive ``@jit(nopython=True, nogil=True)`` function.

Usage: python numba_recurse.py. Calls it from the main thread (GIL held) and
from a second thread at the same time as the main thread, so nested releases
happen with and without a competing thread. Exit 3 with the message on stderr
if Numba refuses to compile it (a compile error, not a crash); exit 0 if all
calls returned.
"""

import sys
import threading

from numba import jit
from numba.core.errors import NumbaError


@jit(nopython=True, nogil=True)
def numba_recurse(n: int) -> int:
    if n <= 0:
        return 0

    return numba_recurse(n - 1)


try:
    first = numba_recurse(2)
except NumbaError as error:
    print(f"numba compile error: {error}", file=sys.stderr)
    sys.exit(3)

results = []
worker = threading.Thread(target=lambda: results.append(numba_recurse(50)))
worker.start()
results.append(numba_recurse(50))
worker.join()
print(f"numba_recurse(2) = {first}; two threads x numba_recurse(50) = {results}")
