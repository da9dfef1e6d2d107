"""Safety case runner for ctypes: nested CDLL -> callback -> CDLL calls.

Usage: python ctypes_recurse.py LIBRARY. Runs the recursion 20 levels deep
from the main thread and from a second thread concurrently; exit 0 if every
call returned its depth.
"""

import ctypes
import sys
import threading

library = ctypes.CDLL(sys.argv[1])
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_uint64)
recurse = library.recurse
recurse.argtypes = [ctypes.c_uint64, CALLBACK]
recurse.restype = ctypes.c_uint64


@CALLBACK
def again(n):
    return recurse(n, again)


first = recurse(2, again)
results = []
worker = threading.Thread(target=lambda: results.append(recurse(20, again)))
worker.start()
results.append(recurse(20, again))
worker.join()
assert first == 2 and results == [20, 20], (first, results)
print(f"recurse(2) = {first}; two threads x recurse(20) = {results}")
