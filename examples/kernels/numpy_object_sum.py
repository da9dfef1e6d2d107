"""Gallery: ``.sum()`` of an object-dtype array of 100 000 Python ints, a NumPy call that holds the GIL.

n is the number of calls; each thread sums an array of its own, of int objects
of its own (all above 2**40, none a cached small int), the same values in every
thread. The value folds every sum. Shared plumbing: ``_gallery.py``.
"""

from __future__ import annotations

from pathlib import Path

from kernels import toolkit

_gallery = toolkit.import_beside(__file__, "_gallery")

SOURCES = [Path(__file__), _gallery.FILE]
USES_CFLAGS = False
#: n counts library calls, not loop iterations: no cycles-per-iteration judgement.
NATIVE = False
MODES = _gallery.MODES
#: threadpoolctl keeps BLAS at one thread, as in every NumPy kernel of the gallery (this sum starts no threads).
REQUIRES = {"build": ["numpy", "threadpoolctl"], "run": ["numpy", "threadpoolctl"]}
SOURCE_SAYS = {"call": "holds"}
SOURCE_CITES = (
    "numpy/_core/src/umath/legacy_array_method.c: an object-dtype loop gets NPY_METH_REQUIRES_PYAPI "
    "(NPY_ITEM_REFCOUNT), and reduction.c/ufunc_object.c release the GIL only without it"
)
reference = None
#: Elements per array: 100 000 (each addition makes a Python int).
SIZE = 100_000


def make():
    import numpy as np

    return np.array([(1 << 40) + 7919 * i for i in range(SIZE)], dtype=object)


def call(data) -> int:
    return data.sum()


build, entry_point, prepare = _gallery.kernel(__file__, make, call, _gallery.numpy_versions, _gallery.limit_blas)
