"""Per-trial time limit: a hung trial fails with a clear message instead of blocking the sweep.

A kernel that holds the GIL forever starves every Python thread, so one
Python-level watchdog is not enough. ``guard`` sets up three layers:

1. A Python watchdog thread blocked on an ``Event`` (a lock wait: it asks for
   the GIL only when it wakes, so it does not disturb the timed region). At
   the limit it writes ``TIME LIMIT EXCEEDED`` with the stacks of all threads
   to the job's log and ends the process with ``EXIT_CODE``.
2. ``faulthandler.dump_traceback_later``: a C thread that needs no GIL. If the
   Python watchdog could not run (the GIL is held), it dumps the stacks after
   ``Timeout (h:mm:ss)!`` ``grace_s`` seconds later and exits with status 1.
3. On a cluster, ``resources: runtime`` (``runtime_minutes``) lets the
   scheduler kill the job should even that fail.

``guard`` also turns on ``faulthandler`` for fatal signals, so a segfault or
abort leaves its Python stacks in the job's log.
"""

from __future__ import annotations

import contextlib
import faulthandler
import math
import os
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

#: Generous bound on the cost of one loop iteration in any backend: compiled
#: loops run at about 0.3 ns, pure Python at about 60 ns (shared/notes), and
#: the machine may be shared. A limit is for hung trials, not slow ones.
NS_PER_ITERATION = 200
#: Fixed allowance for interpreter start, imports (Numba: ~0.5 s) and warm-up.
MARGIN_S = 120.0
#: Extra time the GIL-free backstop waits after the Python watchdog's limit.
GRACE_S = 5.0
#: What a cluster job needs beyond the trial itself (node start-up, nested snakemake).
CLUSTER_MARGIN_S = 300.0
#: Exit status of a trial stopped by the Python watchdog (as timeout(1) uses).
EXIT_CODE = 124
#: Marker line in the log; the aggregate step reports it for missing cells.
MESSAGE = "TIME LIMIT EXCEEDED"


def limit_seconds(setting: str | float | int | None, n: int, threads: int, runs: int | str = 1) -> float:
    """The time limit of one trial in seconds.

    ``setting`` is the config value ``trial_time_limit_s``: a positive number
    of seconds, or ``"auto"``/None for ``MARGIN_S + NS_PER_ITERATION * n *
    threads * runs`` (threads may run one after another: GIL-holding ones
    always do). ``runs`` is ``inner_repetitions``; ``auto`` times at most
    about two runs' worth of work plus 0.1 s (rtg/trial/run.py), counted as 2.
    """
    if setting is None or setting == "auto":
        per_run = NS_PER_ITERATION * 1e-9 * n * threads
        return MARGIN_S + per_run * (2 if runs == "auto" else max(1, int(runs)))
    value = float(setting)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"trial_time_limit_s must be 'auto' or a number of seconds > 0, not {setting!r}")
    return value


def gate_allowance(remeasure: bool, quiet_wait_s: float) -> float:
    """What one attempt may wait at the quiet gate beyond its limit: two gates (before timing, before replacing)."""
    return 2 * max(0.0, float(quiet_wait_s)) if remeasure else 0.0


def with_remeasurement(limit_s: float, remeasure: bool, remeasure_limit: int, quiet_wait_s: float) -> float:
    """The longest a whole trial job may take when interference is cured (rtg/trial/disturbance.py).

    Each attempt has the trial's limit plus its gates' allowance, and a trial that stays
    disturbed gets ``remeasure_limit`` more attempts, each in a new process. The cluster's
    ``runtime`` is set from this.
    """
    if not remeasure:
        return limit_s
    return (1 + max(0, int(remeasure_limit))) * (limit_s + gate_allowance(remeasure, quiet_wait_s))


def runtime_minutes(limit_s: float) -> int:
    """Cluster ``runtime`` (minutes) for a trial limited to ``limit_s``: above the in-trial limit.

    The in-trial watchdog should always fire first, because it leaves a clear
    message and stacks in the log; the scheduler's kill leaves nothing.
    """
    return max(1, math.ceil((limit_s + GRACE_S + CLUSTER_MARGIN_S) / 60))


@contextlib.contextmanager
def guard(limit_s: float, log: TextIO, what: str, grace_s: float = GRACE_S, allowance_s: float = 0.0) -> Iterator[None]:
    """Stop the process if the body runs longer than ``limit_s`` + ``allowance_s``; dump stacks on fatal signals.

    ``allowance_s`` is time the body may spend waiting on purpose (the quiet gate, rtg/trial/quiet.py),
    on top of the user's limit. ``log`` must be a real file (faulthandler writes to its descriptor).
    Everything is undone on exit, before ``log`` is closed.
    """
    extra = f", plus {allowance_s:g} s the quiet gate may wait" if allowance_s > 0 else ""
    print(
        f"watchdog: {what} may run for at most {limit_s:g} s (config trial_time_limit_s{extra}). If the GIL is "
        f"held then, faulthandler stops it {grace_s:g} s later: its 'Timeout (h:mm:ss)!' below means {MESSAGE}.",
        file=log,
        flush=True,
    )
    done = threading.Event()
    limit_s = limit_s + max(0.0, allowance_s)

    def watch() -> None:
        if done.wait(limit_s):
            return
        message = (
            f"{MESSAGE}: {what} ran longer than its limit of {limit_s - allowance_s:g} s (config "
            f"trial_time_limit_s{extra}) and was stopped. Stacks of all threads follow."
        )
        print(message, file=log, flush=True)
        faulthandler.dump_traceback(file=log, all_threads=True)
        log.flush()
        print(f"{message} (log: {getattr(log, 'name', '?')})", file=sys.__stderr__, flush=True)
        os._exit(EXIT_CODE)

    faulthandler.enable(file=log, all_threads=True)
    faulthandler.dump_traceback_later(limit_s + grace_s, exit=True, file=log)
    watcher = threading.Thread(target=watch, name="rtg-watchdog", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        faulthandler.cancel_dump_traceback_later()
        faulthandler.disable()
