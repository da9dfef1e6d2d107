"""What the two sha256 kernels share: the call and its versions (their buffer sizes and GIL facts are their own).

A helper, not a backend (its name starts with '_'). ``hashlib_sha256_1mib`` and
``hashlib_sha256_1kib`` make the same call on buffers either side of
``HASHLIB_GIL_MINSIZE``, so that one pair of kernels shows the threshold.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: This file: both kernels list it in their ``SOURCES``.
FILE = Path(__file__)
#: Modules/hashlib.h: hashlib hashes without the GIL only for buffers of at least this many bytes.
GIL_MINSIZE = 2048
#: OpenSSL's hashlib (_hashlib): the facts the kernels state are its source's; a Python without it hashes otherwise.
REQUIRES = {"build": ["_hashlib"], "run": ["_hashlib"]}


def call(data: bytes) -> int:
    """One sha256 of ``data``: the first 8 bytes of its digest."""
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "little")


def versions() -> dict:
    import ssl

    return {"hashlib_sha256": f"{hashlib.sha256.__module__}.{hashlib.sha256.__name__}", "openssl": ssl.OPENSSL_VERSION}
