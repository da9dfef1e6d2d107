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
    Return the function for ``mode`` (one of the kernel's ``MODES``; for the
    Fibonacci kernels "gil": holds the GIL for the whole loop, "nogil":
    releases it). The callable takes a Python int ``n`` and returns F(n) mod
    2**64 as a Python int in [0, 2**64). Only the requested entry point is
    loaded, so a trial pays for what it uses.

Optional, for a kernel that does not compute F(n) mod 2**64 (the user's own):

``reference(n: int) -> int``
    The value one call of n iterations must return, computed independently of
    the kernel (a closed form, a slow obvious loop). Absent: F(n) mod 2**64.
    ``reference = None`` declares that no independent reference exists: then
    only agreement is checked (every entry point and thread returns what the
    first, untimed call returned) and the report says so.

``prepare(mode: str, build_dir: Path, n: int, thread: int) -> Callable[[int], int]``
    Called once per thread outside the timed region, with the n of one call;
    returns what that thread runs. A memory-bound kernel allocates and touches
    the thread's own buffer here, so the timed region only streams through it.

``BYTES_PER_ITERATION: int`` and ``MEMORY_TRAFFIC: str``
    Memory traffic of one iteration, and whether it reads ("read", the
    default) or reads and writes ("copy"): the report then shows bytes per
    second next to the machine's measured bandwidth of that kind.

Optional facts a kernel states about itself, read by ``stated`` (the one place
their defaults apply), so that rtg keeps no table of backend names:

``MODES: tuple[str, ...]`` (default ``("gil", "nogil")``)
    The entry points the kernel offers, each a scenario token (lower-case
    letters, digits, ``_``). A kernel that wraps one library call offers one,
    e.g. ``("call",)``: its scenarios are ``call``, ``call+call``, ... and
    ``n`` means what the kernel says (calls, bytes, elements).

``SOURCE_SAYS: dict[str, str]`` (default: derived for gil/nogil, else ``{}``) and ``SOURCE_CITES: str``
    What the called code's source says about the GIL, per mode: "releases",
    "holds" or "partly", and where it says so (file and macro). The report
    holds each measured verdict against it ("Which calls release the GIL").
    Left out, a gil/nogil kernel says gil: holds, nogil: releases (holds when
    ``RELEASES_GIL`` is False); any other mode is unknown.

``REQUIRES: dict[str, list[str]]`` (default ``{}``: nothing)
    The importable modules the backend needs in an interpreter, per phase:
    ``{"build": ["Cython"], "run": ["numpy"]}``. An interpreter of config
    ``interpreters`` that lacks one is named before any job, or its cells are
    marked "not available".

``NEEDS_COMPILER: bool`` (default False) and ``NEEDS_HEADERS: bool`` (default False)
    Whether ``build`` runs the interpreter's C compiler, and whether it
    compiles against that interpreter's headers (``Python.h``).

``NATIVE: bool`` (default True)
    Whether the loop runs as machine code (compiled or JIT-compiled), not as
    interpreted bytecode: only native loops are judged against the hardware
    clock (cycles per iteration). True by default because a kernel exists here
    to measure releasing the GIL, which only native code can do.

``RELEASES_GIL: bool`` (default True)
    Whether the ``nogil`` entry point really releases the GIL. False (pure
    Python) makes the backend a control: the answer's GIL sentences leave it out.

Adding a built-in backend is one module here plus one line in ``BACKENDS``;
the user's own kernels live in the folders of config ``kernel_paths``, one
module per backend, named after its file (see docs/kernels.md).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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

#: The two entry points of the Fibonacci backends: what a kernel offers when it states no ``MODES``.
MODES: tuple[str, ...] = ("gil", "nogil")
#: A mode's name: a scenario token (rtg/core/scenarios.py).
MODE_NAME = r"[a-z][a-z0-9_]*"
#: What ``SOURCE_SAYS`` may say about a mode.
SOURCE_VERDICTS: tuple[str, ...] = ("releases", "holds", "partly")

MASK64 = (1 << 64) - 1


#: The user's kernel folders (config ``kernel_paths``), absolute, joined by os.pathsep: set by
#: ``use_paths`` so that every child process (builds and trials under other interpreters,
#: workers of the processes executor) finds the same kernels.
PATHS_VARIABLE = "RTG_KERNEL_PATHS"
#: What a kernel module must define.
INTERFACE: tuple[str, ...] = ("SOURCES", "USES_CFLAGS", "build", "entry_point")
#: The facts a kernel module may state about itself, and what applies when it says nothing (see ``stated``).
STATED_DEFAULTS: dict[str, object] = {
    "REQUIRES": {},
    "NEEDS_COMPILER": False,
    "NEEDS_HEADERS": False,
    "NATIVE": True,
    "RELEASES_GIL": True,
    "MODES": MODES,
    "SOURCE_SAYS": None,  # derived in ``stated``
    "SOURCE_CITES": "",
}
#: The phases ``REQUIRES`` may name.
PHASES: tuple[str, ...] = ("build", "run")


class KernelError(ValueError):
    """A user's kernel module cannot be used; the message names the file and what is missing."""


def use_paths(paths: Sequence[str | Path]) -> dict[str, Path]:
    """Make the kernels in ``paths`` loadable here and in every child; return backend -> module file.

    Relative paths are relative to the working directory, like every path of the config.
    """
    absolute = [str(Path(p).expanduser().resolve()) for p in paths]
    if absolute:
        os.environ[PATHS_VARIABLE] = os.pathsep.join(absolute)
    else:
        os.environ.pop(PATHS_VARIABLE, None)
    return user_kernels()


def user_kernels() -> dict[str, Path]:
    """backend -> module file of every kernel in the registered folders (``use_paths``), in folder order."""
    found: dict[str, Path] = {}
    for folder in filter(None, os.environ.get(PATHS_VARIABLE, "").split(os.pathsep)):
        for file in sorted(Path(folder).glob("*.py")):
            if not file.name.startswith("_"):
                found.setdefault(file.stem, file)
    return found


def names() -> list[str]:
    """Every backend name: the built-in ones, then the user's."""
    return [*BACKENDS, *(name for name in user_kernels() if name not in BACKENDS)]


def import_file(module_name: str, file: Path) -> ModuleType:
    """Import ``file`` as ``module_name`` once (again if another file took that name); none half-imported stays."""
    cached = sys.modules.get(module_name)
    if cached is not None and Path(cached.__file__) == Path(file):
        return cached
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise KernelError(f"{file}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _load_file(backend: str, file: Path) -> ModuleType:
    return import_file(f"rtg_user_kernels.{backend}", file)


def load(backend: str) -> ModuleType:
    """Import and return the module implementing ``backend`` (built-in, or a file in ``kernel_paths``)."""
    if backend in BACKENDS:
        return importlib.import_module(BACKENDS[backend])
    file = user_kernels().get(backend)
    if file is None:
        allowed = ", ".join(names())
        raise ValueError(f"unknown backend {backend!r}; allowed: {allowed}")
    return _load_file(backend, file)


def problems(backend: str) -> list[str]:
    """What keeps a user's kernel from being a backend, one phrase each (empty: usable).

    Imports the module (so a syntax error or a failing import is named too).
    """
    file = user_kernels().get(backend)
    if file is None:
        return [f"no kernel module {backend}.py in kernel_paths"]
    if backend in BACKENDS:
        return [f"its name clashes with the built-in backend {backend!r}: rename the file"]
    try:
        module = _load_file(backend, file)
    except Exception as error:  # the user's code: any failure is theirs to fix, named here
        return [f"it cannot be imported ({type(error).__name__}: {error})"]
    found = [f"it lacks {name}" for name in INTERFACE if not hasattr(module, name)]
    for name in ("build", "entry_point"):
        if hasattr(module, name) and not callable(getattr(module, name)):
            found.append(f"its {name} is not a function")
    sources = getattr(module, "SOURCES", [])
    if hasattr(module, "SOURCES") and (isinstance(sources, (str, Path)) or not isinstance(sources, (list, tuple))):
        found.append("its SOURCES is not a list of paths")
    else:
        found += [f"its SOURCES file {source} does not exist" for source in sources if not Path(source).is_file()]
    if hasattr(module, "reference") and module.reference is not None and not callable(module.reference):
        found.append("its reference is neither a function nor None")
    return found + _stated_problems(module)


@dataclass(frozen=True)
class Stated:
    """What a kernel states about itself (``STATED_DEFAULTS`` names the module attributes)."""

    #: phase ("build", "run") -> the modules it needs in the interpreter.
    requires: Mapping[str, tuple[str, ...]]
    needs_compiler: bool
    needs_headers: bool
    native: bool
    releases_gil: bool
    #: The entry points, in the kernel's order (scenario tokens).
    modes: tuple[str, ...] = MODES
    #: mode -> "releases" / "holds" / "partly": what the called code's source says; a mode left out is unknown.
    source_says: Mapping[str, str] = field(default_factory=dict)
    #: Where the source says it.
    source_cites: str = ""

    def modules(self, phase: str) -> list[str]:
        """The modules the backend needs in an interpreter to ``phase`` ("build" or "run")."""
        return list(self.requires.get(phase, ()))


def _stated_problems(module: ModuleType) -> list[str]:
    """One phrase per fact the module states with the wrong type."""
    found = []
    for name, default in STATED_DEFAULTS.items():
        value = getattr(module, name, default)
        if isinstance(default, bool) and not isinstance(value, bool):
            found.append(f"its {name} is {value!r}, not True or False")
    modes = getattr(module, "MODES", MODES)
    if not (
        isinstance(modes, (list, tuple))
        and modes
        and all(isinstance(m, str) and re.fullmatch(MODE_NAME, m) for m in modes)
        and len(set(modes)) == len(modes)
    ):
        found.append(
            f"its MODES is {modes!r}, not a non-empty tuple of distinct names of lower-case letters, digits "
            f"and _ (e.g. ('call',))"
        )
    says = getattr(module, "SOURCE_SAYS", None)
    if says is not None and not (
        isinstance(says, dict)
        and all(isinstance(m, str) for m in says)
        and all(v in SOURCE_VERDICTS for v in says.values())
    ):
        found.append(f"its SOURCE_SAYS is {says!r}, not a dict of mode to {' or '.join(map(repr, SOURCE_VERDICTS))}")
    if not isinstance(getattr(module, "SOURCE_CITES", ""), str):
        found.append("its SOURCE_CITES is not a string")
    requires = getattr(module, "REQUIRES", {})
    if not (
        isinstance(requires, dict)
        and set(requires) <= set(PHASES)
        and all(
            isinstance(modules, (list, tuple)) and all(isinstance(m, str) for m in modules)
            for modules in requires.values()
        )
    ):
        found.append(
            f"its REQUIRES is {requires!r}, not a dict of phase ({' or '.join(map(repr, PHASES))}) "
            f"to a list of module names"
        )
    return found


def stated(backend: str) -> Stated:
    """What ``backend``'s module states about itself, each fact it leaves out at its default (``STATED_DEFAULTS``).

    A name no kernel here implements (a backend in results read without its
    ``kernel_paths``) states nothing either: the defaults apply to it alike.
    """
    module = load(backend) if backend in names() else None  # None states nothing
    wrong = _stated_problems(module) if module is not None else []
    if wrong:
        raise KernelError(f"{module.__file__}: {'; '.join(wrong)}")
    value = {name: getattr(module, name, default) for name, default in STATED_DEFAULTS.items()}
    modes = tuple(value["MODES"])
    says = value["SOURCE_SAYS"]
    if says is None:  # the Fibonacci kernels' own facts: gil holds it, nogil releases it unless it cannot
        derived = {"gil": "holds", "nogil": "releases" if value["RELEASES_GIL"] else "holds"}
        says = {mode: verdict for mode, verdict in derived.items() if mode in modes}
    return Stated(
        requires={phase: tuple(modules) for phase, modules in value["REQUIRES"].items()},
        needs_compiler=value["NEEDS_COMPILER"],
        needs_headers=value["NEEDS_HEADERS"],
        native=value["NATIVE"],
        releases_gil=value["RELEASES_GIL"],
        modes=modes,
        source_says=dict(says),
        source_cites=value["SOURCE_CITES"],
    )


def modes_of(backend: str) -> tuple[str, ...]:
    """The entry points ``backend`` offers (its ``MODES``): the tokens its scenarios may use."""
    return stated(backend).modes


def reference_of(backend: str) -> Callable[[int], int] | None:
    """The function a call of ``backend`` is checked against; None: only agreement can be checked."""
    module = load(backend)
    if not hasattr(module, "reference"):
        from rtg.core.reference import fib_mod64

        return fib_mod64
    return module.reference


def check_of(backend: str) -> str:
    """How ``backend``'s values are checked: ``fibonacci``, ``reference`` (its own) or ``agreement``."""
    module = load(backend)
    if not hasattr(module, "reference"):
        return "fibonacci"
    return "agreement" if module.reference is None else "reference"


def sources(backend: str) -> list[str]:
    """Source files of ``backend``, as strings for Snakemake's input lists."""
    return [str(path) for path in load(backend).SOURCES]


def cflags_for(backend: str, cflags: list[str]) -> list[str]:
    """The compiler flags that apply to ``backend`` (none for JIT or pure backends)."""
    return list(cflags) if load(backend).USES_CFLAGS else []


def facts(backend: str) -> dict:
    """What the report says about a backend: built-in or whose file, how it is checked, its memory traffic."""
    module = load(backend)
    facts_stated = stated(backend)
    bytes_per_iteration = getattr(module, "BYTES_PER_ITERATION", None)
    return {
        "backend": backend,
        "builtin": backend in BACKENDS,
        # A built-in kernel by its place in the project (the same wherever the project lies).
        "file": str(user_kernels().get(backend) or f"kernels/{Path(module.__file__).name}"),
        "check": check_of(backend),
        "bytes_per_iteration": int(bytes_per_iteration) if bytes_per_iteration else None,
        # Which of the machine's bandwidths bounds it: "read" (a streaming reduction) or "copy" (reads and writes).
        "memory_traffic": getattr(module, "MEMORY_TRAFFIC", "read"),
        # Its entry points, and what the called code's source says about the GIL in each (the report holds
        # the measured verdict against it).
        "modes": list(facts_stated.modes),
        "source_says": dict(facts_stated.source_says),
        "source_cites": facts_stated.source_cites,
    }
