"""Every registered backend, both entry points, against the independent reference.

Real builds: the Cython extension is really compiled and Numba really JITs.
"""

from pathlib import Path

import pytest

import kernels
from rtg.reference import fib_mod64

NS = [0, 1, 2, 3, 10, 93, 94, 1000, 10**6]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    dirs = {}
    for backend in kernels.BACKENDS:
        build_dir = tmp_path_factory.mktemp(backend)
        manifest = kernels.load(backend).build(build_dir, ["-O2", "-funroll-loops"])
        assert manifest["backend"] == backend
        assert manifest["source_sha256"]
        dirs[backend] = build_dir
    return dirs


@pytest.mark.parametrize("backend", sorted(kernels.BACKENDS))
@pytest.mark.parametrize("mode", kernels.MODES)
def test_entry_points_match_reference(built, backend, mode):
    fib = kernels.load(backend).entry_point(mode, built[backend])
    for n in NS:
        value = fib(n)
        assert type(value) is int
        assert 0 <= value < 2**64
        assert value == fib_mod64(n), (backend, mode, n)


def test_build_outputs_stay_out_of_the_source_tree(built):
    source_dir = Path(kernels.__file__).parent
    assert not list(source_dir.glob("*.so"))
    assert not list(source_dir.glob("fib_cython.c"))
    assert not list(source_dir.rglob("*.nbi"))


def test_unknown_backend_names_the_allowed_ones():
    with pytest.raises(ValueError, match="cython"):
        kernels.load("fortran")


def test_cflags_apply_only_to_compiled_backends():
    assert kernels.cflags_for("cython", ["-O3"]) == ["-O3"]
    assert kernels.cflags_for("numba", ["-O3"]) == []
