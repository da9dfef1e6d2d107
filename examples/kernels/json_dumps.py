"""Gallery: ``json.dumps`` of 2000 small dicts, a call whose source gives no sign of releasing the GIL.

n is the number of calls; each thread serializes a list of its own, every dict,
key and value in it its own object (``json.loads`` of one text in ``make``), the
same content in every thread. The value folds each output's length and its
middle character. Shared plumbing: ``_gallery.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from kernels import toolkit

_gallery = toolkit.import_beside(__file__, "_gallery")

SOURCES = [Path(__file__), _gallery.FILE]
USES_CFLAGS = False
#: n counts library calls, not loop iterations: no cycles-per-iteration judgement.
NATIVE = False
MODES = _gallery.MODES
SOURCE_SAYS = {"call": "holds"}
SOURCE_CITES = (
    "Modules/_json.c: no Py_BEGIN_ALLOW_THREADS; the C encoder builds Python objects throughout "
    "(Lib/json/encoder.py falls back to pure Python without it)"
)
reference = None
#: Dicts per call (about 2 ms a call here).
SIZE = 2000
#: The records as JSON text: every thread's list is parsed from it, so no object is shared between threads.
TEXT = json.dumps(
    [
        {"id": i, "name": f"item-{i}", "price": i * 0.25, "tags": ["a", f"t{i % 7}"], "ok": i % 3 == 0, "note": None}
        for i in range(SIZE)
    ]
)


def make() -> list:
    return json.loads(TEXT)


def call(records: list) -> int:
    out = json.dumps(records)
    return len(out) << 32 | ord(out[len(out) // 2])


def versions() -> dict:
    from json import encoder

    return {"json_version": json.__version__, "c_encoder": encoder.c_make_encoder is not None}


build, entry_point, prepare = _gallery.kernel(__file__, make, call, versions)
