"""rtg.trial.lean changes a whole process, so every check runs in a child interpreter."""

import subprocess
import sys

from rtg.core.reference import fib_mod64
from tests.conftest import ROOT


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_blocked_module_raises_import_error_and_others_still_import():
    result = python(
        "import sys\n"
        "from rtg.trial import lean\n"
        "blocked = lean.block_imports(('scipy', 'sys'))\n"
        "assert blocked == ['scipy'], blocked  # sys was already imported: left alone\n"
        "try:\n"
        "    import scipy.linalg.cython_blas\n"
        "except ImportError:\n"
        "    print('blocked')\n"
        "import decimal\n"
        "print('ok')\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["blocked", "ok"]


def test_exit_now_flushes_output_and_skips_teardown():
    result = python(
        "import atexit, sys\n"
        "from rtg.trial import lean\n"
        "atexit.register(lambda: print('teardown ran'))\n"
        "print('record written', end='')\n"
        "sys.stderr.write('log line')\n"
        "lean.exit_now(3)\n"
    )
    assert result.returncode == 3
    assert result.stdout == "record written"
    assert result.stderr == "log line"


def test_numba_kernel_loads_from_cache_without_scipy(tmp_path):
    build = str(tmp_path / "numba")
    built = python(f"import kernels; from pathlib import Path; kernels.load('numba').build(Path({build!r}), [])")
    assert built.returncode == 0, built.stderr
    # A fresh process, as a trial: SciPy blocked, the kernel comes from the on-disk cache.
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from rtg.trial import lean\n"
        "lean.block_imports()\n"
        "import kernels\n"
        f"fib = kernels.load('numba').entry_point('nogil', Path({build!r}))\n"
        "print(fib(1000))\n"
        "import kernels._numba_impl as impl\n"
        "stats = impl.fib_nogil.stats\n"
        "assert sum(stats.cache_hits.values()) == 1 and not stats.cache_misses, stats\n"
        "assert sys.modules['scipy'] is None\n"
    )
    result = python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == str(fib_mod64(1000))
