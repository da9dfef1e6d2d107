"""Gallery: ``np.dot`` of two 300 x 300 float64 matrices (BLAS dgemm on one thread), a call that releases the GIL.

n is the number of calls; each thread has its own two inputs and its own output
matrix, written outside the timed region. BLAS is limited to one thread
(threadpoolctl) before anything runs, so that OpenBLAS's own threads do not pose
as ours. The value folds the bits of every 4099th output element. Shared
plumbing: ``_gallery.py``.
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
#: threadpoolctl limits BLAS to one thread (in build, entry_point and prepare).
REQUIRES = {"build": ["numpy", "threadpoolctl"], "run": ["numpy", "threadpoolctl"]}
SOURCE_SAYS = {"call": "releases"}
SOURCE_CITES = (
    "numpy/_core/src/common/cblasfuncs.c: cblas_matrixproduct calls BLAS (gemm) between "
    "NPY_BEGIN_ALLOW_THREADS and NPY_END_ALLOW_THREADS"
)
reference = None
#: The matrices' side: 300 (54 million floating-point operations a call).
SIDE = 300


def make() -> tuple:
    import numpy as np

    left = (np.arange(SIDE * SIDE, dtype=np.float64) % 97 / 97).reshape(SIDE, SIDE)
    right = (np.arange(SIDE * SIDE, dtype=np.float64) % 89 / 89).reshape(SIDE, SIDE).T.copy()
    out = np.empty((SIDE, SIDE))
    out.fill(0.0)  # written here: no page of it is first touched in the timed region
    return np.dot, left, right, out, _gallery.samples(out)


def call(data: tuple) -> int:
    dot, left, right, out, bits = data
    dot(left, right, out=out)
    return int(bits.sum())


build, entry_point, prepare = _gallery.kernel(__file__, make, call, _gallery.numpy_versions, _gallery.limit_blas)
