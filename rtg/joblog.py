"""Route a script job's messages and its traceback to the rule's ``log:`` file.

Snakemake does not redirect ``script:`` jobs itself; without this a failed
trial would leave its reason only in the scheduler's terminal.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


@contextlib.contextmanager
def logged(path: str | Path) -> Iterator[TextIO]:
    """Send stdout/stderr to ``path``; record any exception there, then re-raise it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", buffering=1) as log:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            try:
                yield log
            except BaseException as exc:
                traceback.print_exc(file=log)
                # One clear line for the scheduler's terminal as well.
                print(f"{type(exc).__name__}: {exc} (log: {path})", file=sys.__stderr__)
                raise
