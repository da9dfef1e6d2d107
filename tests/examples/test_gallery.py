"""The gallery of single-mode kernels (examples/kernels/): real library calls, no mocks.

Each module wraps one call (hashlib, zlib, NumPy, re, json) and offers one mode,
``call``: n is the number of calls. Checked here: the interface is complete
(``kernels.problems``), every thread's prepared data gives what an untimed call
gives, for several n, and the value depends on n; two threads never share their
data; the NumPy dot runs with BLAS at one thread; the build's manifest is JSON.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

import kernels

ROOT = Path(__file__).resolve().parents[2]
GALLERY = ROOT / "examples" / "kernels"
#: kernel -> what its library's source says about the GIL in the call (issue 25's table).
SOURCE_SAYS = {
    "hashlib_sha256_1mib": "releases",
    "hashlib_sha256_1kib": "holds",
    "zlib_compress": "releases",
    "numpy_ufunc": "releases",
    "numpy_dot": "releases",
    "numpy_object_sum": "holds",
    "re_search": "holds",
    "json_dumps": "holds",
}
NAMES = list(SOURCE_SAYS)
NUMPY = [name for name in NAMES if name.startswith("numpy_")]
#: Numbers of calls: a call of each returns its own value, and every thread agrees with the untimed one.
N_VALUES = (1, 2, 5)


@pytest.fixture(autouse=True)
def gallery():
    kernels.use_paths([GALLERY])
    yield
    kernels.use_paths([])


@pytest.fixture(autouse=True, scope="module")
def blas_threads_as_they_were():
    """The NumPy kernels limit BLAS to one thread for the whole process: the tests after these get it back."""
    import numpy  # noqa: F401  (threadpoolctl sees only the libraries already loaded)
    import threadpoolctl

    original = threadpoolctl.threadpool_limits(None)  # changes nothing, remembers the limits
    yield
    original.restore_original_limits()


def test_the_gallery_is_every_kernel_of_the_examples_but_the_two_blog_style_ones():
    assert set(kernels.user_kernels()) == {*NAMES, "scale_numba", "stream_cython"}


@pytest.mark.parametrize("name", NAMES)
def test_the_interface_is_complete_and_states_its_facts(name):
    assert kernels.problems(name) == []
    stated = kernels.stated(name)
    assert stated.modes == ("call",)
    assert dict(stated.source_says) == {"call": SOURCE_SAYS[name]}
    assert stated.source_cites  # file and macro, in a short phrase
    assert stated.native is False  # n counts library calls: no cycles per iteration
    assert kernels.check_of(name) == "agreement"
    module = kernels.load(name)
    assert module.USES_CFLAGS is False and kernels.cflags_for(name, ["-O0"]) == []
    # Its own file, the shared plumbing, and the sha256 call both hashlib kernels make: a change to any reruns it.
    shared = ["_sha256.py"] if name.startswith("hashlib_sha256") else []
    assert [Path(source).name for source in module.SOURCES] == [f"{name}.py", "_gallery.py", *shared]
    if name in NUMPY:
        assert set(stated.modules("build")) == set(stated.modules("run")) == {"numpy", "threadpoolctl"}


def test_the_two_sha256_buffers_lie_on_either_side_of_hashlibs_threshold():
    threshold = 2048  # HASHLIB_GIL_MINSIZE, Modules/hashlib.h
    assert kernels.load("hashlib_sha256_1kib").SIZE == 1024 < threshold
    assert kernels.load("hashlib_sha256_1mib").SIZE == 1 << 20 >= threshold


@pytest.mark.parametrize("name", NAMES)
def test_every_threads_calls_agree_with_an_untimed_call_and_the_value_depends_on_n(name, tmp_path):
    module = kernels.load(name)
    module.build(tmp_path, [])
    untimed = module.entry_point("call", tmp_path)
    prepared = [module.prepare("call", tmp_path, max(N_VALUES), thread) for thread in (0, 1)]
    values = []
    for n in N_VALUES:
        value = untimed(n)
        assert isinstance(value, int) and 0 <= value < 1 << 64
        assert [thread(n) for thread in prepared] == [value, value], n
        assert module.prepare("call", tmp_path, n, 0)(n) == value  # prepared for exactly this n
        values.append(value)
    assert len(set(values)) == len(values), values


def leaves(data) -> list:
    """The objects a thread's data is made of: the items of a tuple, or the data itself (library functions left out)."""
    items = data if isinstance(data, tuple) else (data,)
    return [item for item in items if not callable(item)]


@pytest.mark.parametrize("name", NAMES)
def test_two_threads_work_on_data_of_their_own_with_the_same_content(name, tmp_path):
    module = kernels.load(name)
    first, second = (module.prepare("call", tmp_path, 1, thread).data for thread in (0, 1))
    assert first is not second
    pairs = list(zip(leaves(first), leaves(second), strict=True))
    assert pairs
    for mine, theirs in pairs:
        assert mine is not theirs
        if type(mine).__module__ == "numpy":
            import numpy as np

            assert not np.shares_memory(mine, theirs)
            assert np.array_equal(mine, theirs)
        else:
            assert mine == theirs
    if name == "numpy_object_sum":  # the ints themselves, not only the array
        assert all(a is not b for a, b in zip(first[:100], second[:100], strict=True))
    if name == "json_dumps":  # every dict, key, string, float and list of the records (small ints are cached)
        assert all(a is not b for a, b in zip(first, second, strict=True))
        mine, theirs = first[7], second[7]
        assert all(a == b and a is not b for a, b in zip(mine, theirs, strict=True))
        assert all(mine[key] is not theirs[key] for key in mine if isinstance(mine[key], (str, float, list)))


def test_a_mode_the_gallery_does_not_offer_is_refused(tmp_path):
    module = kernels.load("zlib_compress")
    for mode in ("gil", "nogil"):
        with pytest.raises(ValueError, match="offers only 'call'"):
            module.entry_point(mode, tmp_path)
        with pytest.raises(ValueError, match="offers only 'call'"):
            module.prepare(mode, tmp_path, 1, 0)


BLAS_THREADS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import kernels
kernels.use_paths([sys.argv[2]])
module = kernels.load(sys.argv[3])
import numpy, threadpoolctl
before = [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
{step}
after = [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
print(json.dumps({{"before": before, "after": after, "value": function(2) if function else None}}))
"""
STEPS = {
    "prepare": "function = module.prepare('call', sys.argv[4], 2, 0)",
    "entry_point": "function = module.entry_point('call', sys.argv[4])",
    "build": "module.build(sys.argv[4], []); function = None",
}


@pytest.mark.parametrize("step", STEPS)
def test_numpy_dot_runs_with_blas_at_one_thread(step, tmp_path):
    """In a fresh interpreter, as in a trial: after prepare (or entry_point, or build) BLAS has one thread."""
    script = BLAS_THREADS.format(step=STEPS[step])
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT), str(GALLERY), "numpy_dot", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["after"] and all(threads == 1 for threads in seen["after"]), seen


def test_the_blas_limit_is_applied_before_the_data_is_made_even_when_numpy_is_not_loaded_yet(tmp_path):
    """threadpoolctl limits only libraries already loaded: the gallery imports NumPy first (a fresh process)."""
    script = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); import kernels; kernels.use_paths([sys.argv[2]]);"
        "module = kernels.load('numpy_dot'); assert 'numpy' not in sys.modules;"
        "module.prepare('call', sys.argv[3], 1, 0); import threadpoolctl;"
        "print(json.dumps([i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT), str(GALLERY), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    threads = json.loads(done.stdout.splitlines()[-1])
    assert threads and set(threads) == {1}


@pytest.mark.parametrize("name", NAMES)
def test_build_makes_nothing_and_returns_a_json_manifest_with_the_versions(name, tmp_path):
    module = kernels.load(name)
    manifest = module.build(tmp_path / "build", ["-O3"])
    assert json.loads(json.dumps(manifest)) == manifest
    assert not (tmp_path / "build").exists()
    assert manifest["backend"] == name and manifest["mode"] == "call"
    assert manifest["python_version"] == platform.python_version()
    if name in NUMPY:
        import numpy

        assert manifest["numpy_version"] == numpy.__version__
        assert manifest["blas"] and all(blas["num_threads"] == 1 for blas in manifest["blas"])
    if name.startswith("hashlib_"):
        assert manifest["hashlib_sha256"] == "_hashlib.openssl_sha256" and manifest["openssl"].startswith("OpenSSL")
    if name == "zlib_compress":
        assert manifest["zlib_runtime_version"]
