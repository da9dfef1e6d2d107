"""Keep a trial process lean: never import what it does not use, exit without teardown.

A trial job is a fresh process whose timed region lasts milliseconds to a
second, so start-up and shutdown dominate a sweep's cost (issue 7: at most
0.3 s per trial). Measured on a 2-core Zen 4 VM (CPU seconds of one Numba
trial process): Numba's first cache load initialises its target context, which
probes SciPy for BLAS (``numba.np.arraymath`` -> ``scipy.linalg.cython_blas``,
0.2 to 0.3 s); interpreter shutdown after Numba costs another 0.15 to 0.3 s.
Neither is needed: the Fibonacci kernels use no linear algebra, and the trial's
output file is complete (written atomically) before the process ends.

Only the trial script calls these: they change the whole process (a test or
report process that blocked SciPy could not use it any more).
"""

from __future__ import annotations

import os
import sys

#: Modules a trial never uses but a backend would import as a side effect.
UNUSED_IN_TRIALS: tuple[str, ...] = ("scipy",)


def block_imports(names: tuple[str, ...] = UNUSED_IN_TRIALS) -> list[str]:
    """Make ``import name`` raise ImportError in this process; return the names blocked.

    A ``None`` entry in ``sys.modules`` is Python's documented way to do this;
    libraries that probe an optional dependency (``try: import scipy``) then
    take their "not installed" branch. Already imported modules are left alone.
    """
    blocked = []
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]
            blocked.append(name)
    return blocked


def exit_now(code: int = 0) -> None:
    """Flush stdout/stderr and end the process at once, skipping interpreter teardown.

    Call only after every output is closed: ``os._exit`` runs no ``atexit``
    handlers, ``finally`` blocks or buffered-file flushes.
    """
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed or broken stream must not block the exit
            pass
    os._exit(code)
