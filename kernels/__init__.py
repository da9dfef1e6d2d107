"""Backend registry: one module per way of running the Fibonacci loop.

Every backend module offers the same two functions, so the pipeline never
special-cases one:

``SOURCES: list[Path]`` and ``USES_CFLAGS: bool``
    The files the build depends on (a change rebuilds and reruns that
    backend's trials, nothing else) and whether ``cython_cflags`` apply.

``build(build_dir: Path, cflags: list[str]) -> dict``
    Prepare everything the trials need (compile an extension, fill a JIT
    cache, ...) inside ``build_dir`` and return a JSON-able manifest that
    describes the toolchain. Runs once, in the build rule, never in a trial.

``entry_point(mode: str, build_dir: Path) -> Callable[[int], int]``
    Return the function for ``mode`` ("gil": holds the GIL for the whole
    loop, "nogil": releases it). The callable takes a Python int ``n`` and
    returns F(n) mod 2**64 as a Python int in [0, 2**64). Only the requested
    entry point is loaded, so a trial pays for what it uses.

Adding a backend is one module here plus one line in ``BACKENDS``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: backend name -> module that implements it (imported lazily: trials import
#: only their own backend, so Numba's 0.3 s import never hits a Cython trial).
BACKENDS: dict[str, str] = {
    "cython": "kernels.cython_backend",
    "numba": "kernels.numba_backend",
    "ctypes": "kernels.ctypes_backend",
    "python": "kernels.python_backend",
    "python_private": "kernels.python_private_backend",
}

#: The two entry points every backend provides.
MODES: tuple[str, ...] = ("gil", "nogil")

MASK64 = (1 << 64) - 1


def load(backend: str) -> ModuleType:
    """Import and return the module implementing ``backend``."""
    try:
        module_name = BACKENDS[backend]
    except KeyError:
        allowed = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown backend {backend!r}; allowed: {allowed}") from None
    return importlib.import_module(module_name)


def sources(backend: str) -> list[str]:
    """Source files of ``backend``, as strings for Snakemake's input lists."""
    return [str(path) for path in load(backend).SOURCES]


def cflags_for(backend: str, cflags: list[str]) -> list[str]:
    """The compiler flags that apply to ``backend`` (none for JIT or pure backends)."""
    return list(cflags) if load(backend).USES_CFLAGS else []
