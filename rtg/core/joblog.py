"""Route a script job's messages and its traceback to the rule's ``log:`` file.

A user error (``rtg.core.errors``) is written as one ``Error:`` message instead,
and the job exits with status 1 without a traceback.

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

from rtg.core.errors import is_user_error


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
                if is_user_error(exc):
                    # The user's to fix: the message says what, a traceback would only bury it.
                    print(f"Error: {exc}", file=log)
                    print(f"Error: {exc} (log: {path})", file=sys.__stderr__)
                    raise SystemExit(1) from None
                traceback.print_exc(file=log)
                # One clear line for the scheduler's terminal as well.
                print(f"{type(exc).__name__}: {exc} (log: {path})", file=sys.__stderr__)
                raise
