"""Gallery: ``re.search`` through 200 000 characters of text to a match at its end, a call that holds the GIL.

n is the number of calls; each thread searches a text of its own (pseudo-random
words, then one e-mail address at the very end), the same content in every
thread. The pattern starts with a character class, so the engine tries the
match at every letter. The value folds each match's span. Shared plumbing: ``_gallery.py``.
"""

from __future__ import annotations

import re
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
    "Modules/_sre/sre.c and sre_lib.h: no Py_BEGIN_ALLOW_THREADS anywhere; the matcher only checks signals "
    "every 4096 steps (cpython#67878, 're functions never release GIL', closed unchanged)"
)
reference = None
#: Characters of text before the address (about 3.5 ms a call here).
SIZE = 200_000
#: What the call looks for, as users call it: ``re.search(PATTERN, text)`` (re's cache compiles it once).
PATTERN = r"[a-z]+@[a-z]+\.org"
ADDRESS = "contact@example.org"


def make() -> str:
    text = " ".join(_gallery.words(SIZE // 4))[:SIZE]
    return f"{text} {ADDRESS}"


def call(text: str) -> int:
    found = re.search(PATTERN, text)
    return found.start() << 32 | found.end() if found else 0


def versions() -> dict:
    return {"library": "re (CPython's _sre, part of the interpreter)"}


build, entry_point, prepare = _gallery.kernel(__file__, make, call, versions)
