"""The executor axis: run a scenario's tokens as threads or as separate processes.

The blog names processes as the usual way around the GIL. To compare fairly,
``run_processes`` starts one fresh interpreter per token, in the scenario's
start order, and the timed region spans spawn to last exit, so interpreter
start-up and backend import (0.3 s for Numba) count against processes, as
they would for a user. Records use the same fields as thread records, with
offsets from the timed region's start on the shared monotonic clock.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EXECUTORS = ("threads", "processes")
WORKER = Path(__file__).with_name("process_worker.py")


@dataclass
class ProcessRun:
    """Outcome of one processes-executor run."""

    start_ns: int  #: perf_counter_ns at the start of the timed region
    end_ns: int
    wall_s: float
    cpu_s: float  #: parent plus reaped children, user + system
    cpu_user_s: float
    cpu_sys_s: float
    records: list[dict]  #: per token: index, token, start_ns, end_ns (offsets), cpu_s, value, cpu, pid, ready_ns


def _usage() -> tuple[float, float]:
    """User and system seconds of this process plus its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + kids.ru_utime, own.ru_stime + kids.ru_stime


def run_processes(
    backend: str,
    build_dir: Path,
    tokens: Sequence[str],
    n: int,
    cpus: Sequence[int | None] | None = None,
    python: str = sys.executable,
    timeout: float = 3600.0,
    calls: int = 1,
    expected: int | None = None,
) -> ProcessRun:
    """Spawn one worker per token in order, wait for all, return the timed records.

    ``expected``: the value one call must return (the kernel's reference, or the
    agreed value); each worker's call loop checks every call against it.
    """
    cpus = list(cpus) if cpus is not None else [None] * len(tokens)
    user0, sys0 = _usage()
    start_ns = time.perf_counter_ns()
    children = [
        subprocess.Popen(
            [python, str(WORKER), backend, str(build_dir), token, str(n), "" if cpu is None else str(cpu), str(calls)]
            + ([] if expected is None else [str(expected)]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for token, cpu in zip(tokens, cpus, strict=True)
    ]
    outputs = [child.communicate(timeout=timeout) for child in children]
    end_ns = time.perf_counter_ns()
    user1, sys1 = _usage()
    records = []
    for index, (token, child, (out, err)) in enumerate(zip(tokens, children, outputs, strict=True)):
        if child.returncode != 0:
            raise RuntimeError(
                f"{backend} worker {index} ({token}) under {python} exited {child.returncode}: {err.strip()[-1000:]}"
            )
        data = json.loads(out.strip().splitlines()[-1])
        records.append(
            {
                "index": index,
                "token": token,
                "start_ns": data["start_ns"] - start_ns,
                "end_ns": data["end_ns"] - start_ns,
                "ready_ns": data["ready_ns"] - start_ns,
                "cpu_s": data["cpu_s"],
                "value": data["value"],
                "cpu": data["cpu"],
                "pid": data["pid"],
                "gil_enabled": data["gil_enabled"],
                "calls": data.get("calls"),
                "run_delay_s": data.get("run_delay_s"),
                "involuntary_switches": data.get("involuntary_switches"),
            }
        )
    return ProcessRun(
        start_ns=start_ns,
        end_ns=end_ns,
        wall_s=(end_ns - start_ns) / 1e9,
        cpu_s=(user1 - user0) + (sys1 - sys0),
        cpu_user_s=user1 - user0,
        cpu_sys_s=sys1 - sys0,
        records=records,
    )
