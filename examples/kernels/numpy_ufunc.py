"""Gallery: ``np.exp`` of 2**20 float64 values into an output array, a ufunc call that releases the GIL.

n is the number of calls; each thread has its own input (2**20 values from -5 to 5,
8 MiB) and its own output array, both written outside the timed region. The
value folds the bits of every 4099th output element. Shared plumbing: ``_gallery.py``.
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
#: threadpoolctl keeps BLAS at one thread, as in every NumPy kernel of the gallery (a ufunc starts no threads).
REQUIRES = {"build": ["numpy", "threadpoolctl"], "run": ["numpy", "threadpoolctl"]}
SOURCE_SAYS = {"call": "releases"}
SOURCE_CITES = (
    "numpy/_core/src/umath/ufunc_object.c: the loop runs after NPY_BEGIN_THREADS_THRESHOLDED (more than 500 "
    "elements) unless the loop has NPY_METH_REQUIRES_PYAPI (object dtype)"
)
reference = None
#: Values per call: 2**20 (8 MiB in, 8 MiB out).
SIZE = 1 << 20


def make() -> tuple:
    import numpy as np

    values = np.linspace(-5.0, 5.0, SIZE)
    out = np.empty_like(values)
    out.fill(0.0)  # written here: no page of it is first touched in the timed region
    return np.exp, values, out, _gallery.samples(out)


def call(data: tuple) -> int:
    exp, values, out, bits = data
    exp(values, out=out)
    return int(bits.sum())


build, entry_point, prepare = _gallery.kernel(__file__, make, call, _gallery.numpy_versions, _gallery.limit_blas)
