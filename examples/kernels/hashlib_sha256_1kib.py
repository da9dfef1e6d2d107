"""Gallery: ``hashlib.sha256`` of a 1 KiB buffer, a call that holds the GIL (the buffer is below the threshold).

n is the number of calls; each thread hashes a buffer of its own (1 KiB of
pseudo-random bytes, the same content in every thread). The value folds the
first 8 bytes of every digest. ``hashlib_sha256_1mib`` is the same call above
the threshold. Shared plumbing: ``_gallery.py``; the call itself: ``_sha256.py``.
"""

from __future__ import annotations

from pathlib import Path

from kernels import toolkit

_gallery = toolkit.import_beside(__file__, "_gallery")
_sha256 = toolkit.import_beside(__file__, "_sha256")

SOURCES = [Path(__file__), _gallery.FILE, _sha256.FILE]
USES_CFLAGS = False
#: n counts library calls, not loop iterations: no cycles-per-iteration judgement.
NATIVE = False
MODES = _gallery.MODES
REQUIRES = _sha256.REQUIRES
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


build, entry_point, prepare = _gallery.kernel(__file__, make, _sha256.call, _sha256.versions)
