"""The nested-release safety experiment: does releasing an already released GIL crash?

The blog claims Cython's nested ``with nogil`` crashes the interpreter while a
recursive ``nogil=True`` Numba function is safe. The report must test that
claim, not repeat it, so every case here is compiled and run for real, each
step in its own subprocess (argument lists, a timeout): a crash kills only
that subprocess and becomes a row of results/safety.csv.

Outcomes:

``ok``             every step exited 0.
``compile_error``  the toolchain refused the code (message in ``detail``).
``fatal_error``    the run died on a signal (e.g. SIGABRT from "Fatal Python
                   error"); ``signal`` and the stderr tail are recorded.
``error``          the run exited non-zero without a signal (a Python
                   exception), stderr tail in ``detail``.
``timeout``        a step outlived the timeout (a deadlock is a finding too).
"""

from __future__ import annotations

import csv
import shlex
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from kernels import _toolchain

CASES_DIR = Path(__file__).resolve().parents[2] / "kernels" / "safety"
COLUMNS = ("backend", "toolchain", "case", "outcome", "returncode", "signal", "detail")
OUTCOMES = ("ok", "compile_error", "fatal_error", "error", "timeout")
#: Exit status a runner uses to say "the toolchain refused to compile" (JIT backends).
COMPILE_ERROR_EXIT = 3
#: Backends that have a nested-release case. Pure Python has none: it cannot release the GIL.
BACKENDS = ("cython", "numba", "ctypes")
DETAIL_CHARS = 400


@dataclass(frozen=True)
class Step:
    """One subprocess of a case; ``phase`` is "compile" or "run"."""

    phase: str
    argv: list[str]


@dataclass
class Case:
    """A safety case: the steps to build and run it, run in order in ``workdir``."""

    backend: str
    toolchain: str
    name: str
    workdir: Path
    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class StepResult:
    """What one subprocess did; ``returncode`` is None after a timeout."""

    returncode: int | None
    stdout: str
    stderr: str


def run_step(argv: Sequence[str], cwd: Path, timeout: float) -> StepResult:
    """Run ``argv`` (no shell) in ``cwd``; a crash or hang stays inside the child."""
    try:
        done = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as expired:
        return StepResult(None, _text(expired.stdout), _text(expired.stderr))
    except OSError as error:  # the program itself could not be started: an error row, not a failed run
        return StepResult(127, "", f"cannot run {argv[0]}: {error}")
    return StepResult(done.returncode, done.stdout, done.stderr)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode(errors="replace")


def signal_name(returncode: int | None) -> str:
    """ "SIGABRT" for -6; empty when the process was not killed by a signal."""
    if returncode is None or returncode >= 0:
        return ""
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def summarize(text: str, prefer: str = "") -> str:
    """One CSV-friendly line: the line containing ``prefer`` if any, plus the tail."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    picked = [line for line in lines if prefer and prefer in line][:1]
    tail = [line for line in lines[-4:] if line not in picked]
    return " | ".join(picked + tail)[:DETAIL_CHARS]


def classify(phase: str, result: StepResult) -> tuple[str, str]:
    """Outcome and detail of a failed or final step."""
    if result.returncode is None:
        return "timeout", summarize(result.stderr or result.stdout)
    if result.returncode < 0:
        return "fatal_error", summarize(result.stderr, prefer="Fatal Python error")
    if result.returncode == 0:
        return "ok", summarize(result.stdout)
    if phase == "compile" or result.returncode == COMPILE_ERROR_EXIT:
        return "compile_error", summarize(result.stderr or result.stdout, prefer="rror")
    return "error", summarize(result.stderr)


def run_case(case: Case, timeout: float = 300.0) -> dict[str, str | int]:
    """Run a case's steps until one fails; return its results/safety.csv row."""
    case.workdir.mkdir(parents=True, exist_ok=True)
    outcome, detail, result = "ok", "", StepResult(0, "", "")
    for step in case.steps:
        result = run_step(step.argv, case.workdir, timeout)
        outcome, detail = classify(step.phase, result)
        if outcome != "ok":
            break
    return {
        "backend": case.backend,
        "toolchain": case.toolchain,
        "case": case.name,
        "outcome": outcome,
        "returncode": "" if result.returncode is None else result.returncode,
        "signal": signal_name(result.returncode),
        "detail": detail,
    }


def _ask(python: str, code: str) -> str:
    """What ``python -c code`` prints (one probe of another interpreter or venv)."""
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _python_label(python: str) -> str:
    return f"CPython {_ask(python, 'import platform; print(platform.python_version())')}"


def cython_version(cython_python: str) -> str:
    """The Cython version importable by ``cython_python`` (may be a venv's python)."""
    return _ask(cython_python, "import Cython; print(Cython.__version__)")


def cython_case(workdir: Path, cflags: list[str], cython_python: str = sys.executable) -> Case:
    """The blog's Cython example: cythonize with ``cython_python``'s Cython, compile, import.

    Only the .pyx -> .c step uses the other toolchain; the C is compiled against
    and imported by the interpreter running this module, so the Cython version is
    the only thing that differs between toolchain rows.
    """
    workdir = Path(workdir).resolve()
    version = cython_version(cython_python)
    source = CASES_DIR / "cython_recurse.pyx"
    module = "cython_recurse"
    c_file = Path(workdir) / f"{module}.c"
    output = Path(workdir) / f"{module}{sysconfig.get_config_var('EXT_SUFFIX')}"
    include = sysconfig.get_paths()["include"]
    compile_c = [
        *_toolchain.c_compiler(),
        *cflags,
        "-shared",
        "-fPIC",
        "-I",
        include,
        str(c_file),
        "-o",
        str(output),
    ]
    return Case(
        backend="cython",
        toolchain=f"Cython {version}, {_python_label(sys.executable)}",
        name="nested_with_nogil",
        workdir=Path(workdir),
        steps=[
            Step("compile", [cython_python, "-m", "cython", "-3", str(source), "-o", str(c_file)]),
            Step("compile", compile_c),
            Step("run", [sys.executable, str(CASES_DIR / "import_module.py"), str(workdir), module]),
        ],
    )


def numba_case(workdir: Path) -> Case:
    """The blog's recursive ``nogil=True`` Numba function, JIT-compiled in the child."""
    return Case(
        backend="numba",
        toolchain=f"Numba {metadata.version('numba')}, {_python_label(sys.executable)}",
        name="recursive_nogil_jit",
        workdir=Path(workdir),
        steps=[Step("run", [sys.executable, str(CASES_DIR / "numba_recurse.py")])],
    )


def ctypes_case(workdir: Path, cflags: list[str]) -> Case:
    """C -> Python callback -> C through ``ctypes.CDLL``: the GIL released at every level."""
    workdir = Path(workdir).resolve()
    cc = _toolchain.c_compiler()
    library = workdir / "libnested.so"
    compile_c = [*cc, *cflags, "-shared", "-fPIC", str(CASES_DIR / "nested.c"), "-o", str(library)]
    return Case(
        backend="ctypes",
        toolchain=f"ctypes + {_toolchain.compiler_version(cc)}, {_python_label(sys.executable)}",
        name="nested_cdll_callback",
        workdir=Path(workdir),
        steps=[
            Step("compile", compile_c),
            Step("run", [sys.executable, str(CASES_DIR / "ctypes_recurse.py"), str(library)]),
        ],
    )


def control_case(workdir: Path) -> Case:
    """A child that aborts on purpose: proves a crash is detected and contained."""
    return Case(
        backend="control",
        toolchain=_python_label(sys.executable),
        name="os_abort",
        workdir=Path(workdir),
        steps=[Step("run", [sys.executable, "-c", "import os; os.abort()"])],
    )


def venv_with_cython(venv_dir: Path, version: str, timeout: float = 600.0) -> str:
    """Create (once) an isolated venv holding only ``Cython==version``; return its python.

    The project's environment keeps its own Cython; an older one lives under
    results/ so the experiment can say which versions crash.
    """
    venv_dir = Path(venv_dir).resolve()  # its python is later run from other working directories
    python = venv_dir / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv_dir)], check=True, timeout=timeout)
    try:
        if cython_version(str(python)) == version:
            return str(python)
    except subprocess.CalledProcessError:
        pass
    install = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", f"Cython=={version}"]
    done = subprocess.run(install, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"could not install Cython {version} into {venv_dir} ({shlex.join(install)}): {summarize(done.stderr)}"
        )
    return str(python)


def plan(
    root: Path,
    backends: Sequence[str],
    cflags: list[str],
    cython_pythons: Sequence[str] = (),
) -> list[Case]:
    """Every case to run: one per backend, plus one Cython case per extra toolchain.

    ``cython_pythons`` are interpreters (e.g. venv pythons) whose Cython should
    translate the Cython case in addition to the project's own Cython.
    """
    root = Path(root).resolve()  # steps run with cwd=workdir: every path in them must be absolute
    cases: list[Case] = []
    for backend in backends:
        if backend == "cython":
            for index, python in enumerate([sys.executable, *cython_pythons]):
                cases.append(cython_case(root / f"cython-{index}", cflags, python))
        elif backend == "numba":
            cases.append(numba_case(root / "numba"))
        elif backend == "ctypes":
            cases.append(ctypes_case(root / "ctypes", cflags))
    return cases


def write_csv(rows: Sequence[dict], path: Path) -> None:
    """Write rows with the fixed ``COLUMNS`` (the report reads this file for claim 6)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
