"""The plumbing every gallery kernel shares (a helper: its name starts with '_', so it is no backend).

A gallery kernel wraps one library call (``hashlib.sha256``, ``zlib.compress``,
``np.dot``, ``re.search``, ``json.dumps``, ...) that its user cannot switch between
holding and releasing the GIL: it offers a single mode, ``call``, and its module
states only its facts (what the library's source says about the GIL, and where)
and its data. ``kernel`` turns the module's two functions into the interface of
kernels/__init__.py:

- ``make()`` returns new data for one thread, every object of it made and written
  by this call (nothing shared with another thread's data; the same content every
  time, so every thread's value agrees);
- ``call(data)`` makes one call of the library function and returns a cheap int of
  its result (the first 8 bytes of a digest, a length, the bits of one element).

``n`` counts calls: a thread's call of ``n`` runs a Python loop of ``n`` library calls
on its own data and folds every result into one int in [0, 2**64), which depends
on ``n``. There is no independent reference (``reference = None``): every thread
must return what an untimed call returned.
"""

from __future__ import annotations

import platform
import random
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kernels.toolkit import BuildError

#: This file: every gallery kernel lists it in its ``SOURCES`` (a change here reruns them all).
FILE = Path(__file__)
#: The single entry point of a gallery kernel: its scenarios are call, call+call, ...
MODE = "call"
MODES = (MODE,)
#: The fold: acc = (acc * MULTIPLIER + result) mod 2**64.
MULTIPLIER = 1_000_003


class Calls:
    """What one thread runs: ``n`` calls of the library function on data of its own, folded into one int.

    ``data`` is kept as an attribute so that a test can see which objects a thread works on.
    """

    __slots__ = ("call", "data")

    def __init__(self, call: Callable[[Any], int], data: Any) -> None:
        self.call = call
        self.data = data

    def __call__(self, n: int) -> int:
        call, data = self.call, self.data
        # A mask this call made: on a free-threaded build a module constant would be one object whose
        # shared reference count every thread updates (see kernels/python_private_backend.py).
        mask = int.from_bytes(b"\xff" * 8, "little")
        acc = 0
        for _ in range(n):
            acc = (acc * MULTIPLIER + call(data)) & mask
        return acc


def check_mode(mode: str) -> None:
    if mode != MODE:
        raise ValueError(f"unknown mode {mode!r}: a gallery kernel offers only {MODE!r}")


def interpreter() -> dict:
    """The manifest's fields about the interpreter that runs the calls."""
    return {
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "gil_disabled_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    }


def kernel(
    kernel_file: str | Path,
    make: Callable[[], Any],
    call: Callable[[Any], int],
    versions: Callable[[], dict],
    setup: Callable[[], None] | None = None,
) -> tuple[Callable[..., dict], Callable[..., Callable[[int], int]], Callable[..., Callable[[int], int]]]:
    """``build``, ``entry_point`` and ``prepare`` of the kernel in ``kernel_file``: ``call`` on ``make()``'s data.

    ``versions()`` names the library and its version for the manifest; ``setup()``, if given, runs before
    any data is made or called (the NumPy kernels limit BLAS to one thread there).
    """

    backend = Path(kernel_file).stem  # a kernel is named after its file

    def ready() -> None:
        if setup is not None:
            setup()

    def build(build_dir: Path, cflags: list[str]) -> dict:
        """Nothing to compile: check that a call works (the same value on two threads' data) and record versions."""
        del build_dir, cflags
        ready()
        first, second = Calls(call, make())(3), Calls(call, make())(3)
        if first != second or not 0 <= first < 1 << 64:
            raise BuildError(f"{backend}: three calls gave {first} on one thread's data and {second} on another's")
        return {"backend": backend, "mode": MODE, **interpreter(), **versions()}

    def entry_point(mode: str, build_dir: Path) -> Callable[[int], int]:
        """``n`` calls on data of the entry point's own (the warm-up and checks; trials use ``prepare``)."""
        del build_dir
        check_mode(mode)
        ready()
        return Calls(call, make())

    def prepare(mode: str, build_dir: Path, n: int, thread: int) -> Callable[[int], int]:
        """Thread ``thread``'s own data, made and written here, outside the timed region; ``n`` calls on it."""
        del build_dir, n, thread  # every thread gets data of its own, the same whatever its index or n
        check_mode(mode)
        ready()
        return Calls(call, make())

    return build, entry_point, prepare


def limit_blas() -> None:
    """Keep BLAS (OpenBLAS, MKL, ...) at one thread, so that NumPy's own threads do not pose as ours."""
    import numpy  # noqa: F401  (first: threadpoolctl limits only the libraries already loaded)
    import threadpoolctl

    threadpoolctl.threadpool_limits(1, user_api="blas")  # applies at once and stays, process-wide


def numpy_versions() -> dict:
    """NumPy's version and the BLAS it calls (after ``limit_blas``: one thread)."""
    import numpy
    import threadpoolctl

    blas = [
        {key: info.get(key) for key in ("internal_api", "version", "num_threads", "threading_layer", "architecture")}
        | {"library": Path(info["filepath"]).name}
        for info in threadpoolctl.threadpool_info()
        if info.get("user_api") == "blas"
    ]
    return {"numpy_version": numpy.__version__, "threadpoolctl_version": threadpoolctl.__version__, "blas": blas}


#: ``samples`` sees every SAMPLE_STRIDE-th element: a few hundred of a million, a cheap fold of a NumPy result.
SAMPLE_STRIDE = 4099


def samples(array):
    """A view of the bit patterns (uint64) of every ``SAMPLE_STRIDE``-th element of the float64 ``array``.

    Made once, outside the timed region: ``int(view.sum())`` then folds the array's latest values mod 2**64.
    """
    import numpy

    return array.reshape(-1)[::SAMPLE_STRIDE].view(numpy.uint64)


def random_bytes(size: int, seed: int = 25) -> bytes:
    """``size`` pseudo-random bytes, the same for every seed (a new object each call)."""
    return random.Random(seed).randbytes(size)


def words(count: int, seed: int = 25) -> list[str]:
    """``count`` pseudo-random lower-case words of 2 to 9 letters from a vocabulary of 2000 (new objects each call)."""
    rng = random.Random(seed)
    letters = "etaoinshrdlcumwfgypbvkjxqz"  # by frequency in English: the more frequent, the likelier
    weights = [26 - i for i in range(26)]
    vocabulary = ["".join(rng.choices(letters, weights, k=rng.randint(2, 9))) for _ in range(2000)]
    return rng.choices(vocabulary, k=count)
