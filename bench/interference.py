"""What the interference checks cost a trial, as a share of its timed work.

Not a test: prints a Markdown table (docs/benchmarks.md keeps a copy). Each
check is timed with ``timeit`` on this machine (the best of 5 repeats, as
pyperf's ``timeit`` reports the minimum for a cost that noise only raises);
the shares are then taken for the call lengths the grids use. Per run, a
trial pays:

- inside the timed region, ``thread_counters`` once per worker as it ends
  (the workers run in parallel, so one read per run lengthens the run);
- outside it, ``cpu_times_at_most_every`` twice, which reads /proc/stat at
  most once per 10 ms tick; and the rule (``run_disturbed``) once.

    python bench/interference.py
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rtg.trial import disturbance, interference  # noqa: E402

#: Call lengths (s) on this project's 2-vCPU Xeon VM: n = 1e6, 2e6 (bench/pipeline.py), 1e7, 1e8.
CALLS = {"n = 1e6": 0.00036, "n = 2e6": 0.00072, "n = 1e7": 0.0036, "n = 1e8": 0.036}


def best(statement: str, number: int = 2000) -> float:
    """Seconds per call of ``statement``: the best of 5 repeats."""
    namespace = {"interference": interference, "disturbance": disturbance}
    return min(timeit.repeat(statement, globals=namespace, number=number, repeat=5)) / number


def main() -> None:
    counters = best("interference.thread_counters()")
    stat = best("interference.cpu_times()", number=500)
    rule = best("disturbance.run_disturbed([[0, 700000], [0, 700000]], [[1e-4, 0.0, 3], [2e-4, 0.0, 2]])")
    print("| check | µs per call |\n| --- | --- |")
    print(f"| thread_counters (schedstat + getrusage, in the timed region) | {counters * 1e6:.1f} |")
    print(f"| cpu_times (/proc/stat) | {stat * 1e6:.1f} |")
    print(f"| run_disturbed (the rule, two workers) | {rule * 1e6:.1f} |")
    print()
    print("| call | in the timed region | outside it | total, share of the timed work |")
    print("| --- | --- | --- | --- |")
    for name, call in CALLS.items():
        # Two reads per run, but at most one per tick: a run shorter than a tick reads call / tick times.
        reads = 2.0 if call >= interference.TICK_S else call / interference.TICK_S
        inside = counters / call
        outside = (reads * stat + rule) / call
        print(f"| {name} ({call * 1e3:g} ms) | {inside:.2%} | {outside:.2%} | {inside + outside:.2%} |")


if __name__ == "__main__":
    main()
