"""Gallery: ``hashlib.sha256`` of a 1 KiB buffer, a call that holds the GIL (the buffer is below the threshold).

n is the number of calls; each thread hashes a buffer of its own (1 KiB of
pseudo-random bytes, the same content in every thread). The value folds the
first 8 bytes of every digest. ``hashlib_sha256_1mib`` is the same call above
the threshold. Shared plumbing: ``_gallery.py``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kernels import toolkit

_gallery = toolkit.import_beside(__file__, "_gallery")

SOURCES = [Path(__file__), _gallery.FILE]
USES_CFLAGS = False
#: n counts library calls, not loop iterations: no cycles-per-iteration judgement.
NATIVE = False
MODES = _gallery.MODES
#: OpenSSL's hashlib (_hashlib): the facts below are its source's; a Python without it hashes otherwise.
REQUIRES = {"build": ["_hashlib"], "run": ["_hashlib"]}
SOURCE_SAYS = {"call": "holds"}
SOURCE_CITES = (
    "Modules/_hashopenssl.c: the constructor hashes inside Py_BEGIN_ALLOW_THREADS only when len >= "
    "HASHLIB_GIL_MINSIZE (2048 bytes, Modules/hashlib.h): below it, with the GIL held"
)
reference = None
#: The buffer: 1 KiB, half the threshold.
SIZE = 1 << 10


def make() -> bytes:
    return _gallery.random_bytes(SIZE)


def call(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "little")


def versions() -> dict:
    import ssl

    return {"hashlib_sha256": f"{hashlib.sha256.__module__}.{hashlib.sha256.__name__}", "openssl": ssl.OPENSSL_VERSION}


build, entry_point, prepare = _gallery.kernel(__file__, make, call, versions)
