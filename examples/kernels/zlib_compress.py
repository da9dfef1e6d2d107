"""Gallery: ``zlib.compress`` of 128 KiB of text, a call that releases the GIL around zlib's ``deflate()``.

n is the number of calls; each thread compresses a buffer of its own: pseudo-random
words from a vocabulary of 2000 (compressible about 2.5:1, not trivially), the
same content in every thread. The value folds each output's length and its last
4 bytes (the Adler-32 of the input). Shared plumbing: ``_gallery.py``.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from kernels import toolkit

_gallery = toolkit.import_beside(__file__, "_gallery")

SOURCES = [Path(__file__), _gallery.FILE]
USES_CFLAGS = False
#: n counts library calls, not loop iterations: no cycles-per-iteration judgement.
NATIVE = False
MODES = _gallery.MODES
#: A Python built without zlib's headers has no zlib module.
REQUIRES = {"build": ["zlib"], "run": ["zlib"]}
SOURCE_SAYS = {"call": "releases"}
SOURCE_CITES = (
    "Modules/zlibmodule.c: zlib_compress_impl calls deflate() inside Py_BEGIN_ALLOW_THREADS "
    "(growing the output buffer between calls holds it)"
)
reference = None
#: The buffer: 128 KiB (about 2.8 ms a call here).
SIZE = 128 << 10


def make() -> bytes:
    return " ".join(_gallery.words(SIZE // 4)).encode("ascii")[:SIZE]


def call(data: bytes) -> int:
    out = zlib.compress(data)
    return len(out) << 32 | int.from_bytes(out[-4:], "big")


def versions() -> dict:
    return {"zlib_version": zlib.ZLIB_VERSION, "zlib_runtime_version": zlib.ZLIB_RUNTIME_VERSION}


build, entry_point, prepare = _gallery.kernel(__file__, make, call, versions)
