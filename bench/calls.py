"""Benchmark: call patterns (issue 12) as the pipeline measures them, and what the heartbeat costs.

Not a test: about 10 minutes; prints Markdown tables (docs/benchmarks.md keeps
a copy) with the load average. Run it on a quiet machine.

``--table``: the pipeline on n = 1e8 with calls_per_thread 1, 10, 100, 1000
and 10000, switch intervals 5 and 0.5 ms, Cython and Numba, 3 repetitions:
each pair's ratio to one call with its 95 % CI, and the break-even call length.

``--heartbeat-cost``: the same trials with and without the heartbeat, one
process each, alternated, 6 processes per setting: the wall-time ratio with
its two-level CI per cell.

    python bench/calls.py --table --heartbeat-cost
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rtg.analysis import hierarchy, patterns  # noqa: E402

IGNORED = shutil.ignore_patterns("results", ".snakemake", ".git", "__pycache__", ".pytest_cache", ".ruff_cache")
CALLS = [1, 10, 100, 1000, 10000]
SCENARIOS = ["gil", "nogil", "nogil+gil", "gil+nogil", "nogil+nogil"]


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def snakemake(workdir: Path, *args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=workdir,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return time.perf_counter() - start


def fmt(r, low, high) -> str:
    return f"{r:.2f} [{low:.2f}–{high:.2f}]"


def table(work: Path) -> None:
    project = work / "project"
    shutil.copytree(ROOT, project, ignore=IGNORED)
    grid = ["backends=[cython,numba]", f"scenarios=[{','.join(SCENARIOS)}]", "n_values=[100000000]",
            f"calls_per_thread=[{','.join(map(str, CALLS))}]", "switch_interval_ms=[5,0.5]", "repetitions=3",
            "safety_experiment=false"]  # fmt: skip
    print(f"pipeline run (load {loadavg()}) ...", file=sys.stderr)
    seconds = snakemake(project, "--config", *grid)
    summary = pd.read_csv(project / "results" / "summary.csv")
    pts = patterns.points(summary)
    rows = []
    for (backend, si, k), group in pts.groupby(["backend", "switch_interval_ms", "calls_per_thread"], sort=True):
        row = {"backend": backend, "switch interval (ms)": f"{si:g}", "calls per thread k": k,
               "one call": f"{group['call_s'].iloc[0] * 1e3:.3g} ms"}  # fmt: skip
        for scenario in ("nogil+gil", "gil+nogil", "nogil+nogil"):
            cell = group[group["scenario"] == scenario]
            if len(cell):
                c = cell.iloc[0]
                row[f"{scenario} ÷ one"] = fmt(c["ratio"], c["ratio_ci_low"], c["ratio_ci_high"])
        rows.append(row)
    print(
        f"\n### Pair ÷ one call by calls per thread (n = 1e8, 3 processes per cell; "
        f"{seconds:.0f} s, load {loadavg()})\n"
    )
    print(pd.DataFrame(rows).to_markdown(index=False))
    even = patterns.break_even(summary)
    even["holds_from"] = even["holds_from_s"].map(lambda s: f"{s * 1e3:.3g} ms" if s == s else "–")
    even["fails_at"] = even["fails_at_s"].map(lambda s: f"{s * 1e3:.3g} ms" if s == s else "–")
    print("\n### Break-even (nogil+gil speed-up ≥ 1.5× over the two calls one after the other)\n")
    print(even[["backend", "switch_interval_ms", "holds_from", "speedup_at_holds", "fails_at", "speedup_at_fails"]]
          .to_markdown(index=False))  # fmt: skip


TRIAL = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from rtg.core.scenarios import parse
    from rtg.trial.run import TrialPlan, run_trial
    backend, scenario, k, beat = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "on"
    plan = TrialPlan(backend, parse(scenario), 100_000_000, 1, calls_per_thread=k, heartbeat=beat)
    r = run_trial(plan, Path({build!r}) / backend, {{}})
    print(json.dumps({{"walls": [x["wall_s"] for x in r["runs"]], "correct": r["correct"]}}), flush=True)
    os._exit(0)
    """
)


def heartbeat_cost(work: Path) -> None:
    project = work / "project"
    if not project.exists():
        shutil.copytree(ROOT, project, ignore=IGNORED)
    snakemake(project, "results/build/cython/manifest.json")
    script = work / "trial.py"
    script.write_text(TRIAL.format(root=str(project), build=str(project / "results" / "build")))
    rows = []
    for k in (1, 100):
        for scenario in ("gil", "nogil", "nogil+gil", "nogil+nogil"):
            groups: dict[str, list[np.ndarray]] = {"on": [], "off": []}
            for _ in range(6):
                for beat in ("off", "on"):
                    out = subprocess.run([sys.executable, str(script), "cython", scenario, str(k), beat],
                                         check=True, capture_output=True, text=True).stdout  # fmt: skip
                    found = json.loads(out.strip().splitlines()[-1])
                    assert found["correct"]
                    groups[beat].append(np.asarray(found["walls"]))
            ratio, low, high = hierarchy.ratio_ci(groups["on"], [groups["off"]], [1.0], seed=0)
            rows.append({"k": k, "scenario": scenario, "wall with ÷ without heartbeat": fmt(ratio, low, high),
                         "load": loadavg()})  # fmt: skip
            print(rows[-1], file=sys.stderr)
    print("\n### What the heartbeat costs (Cython, n = 1e8, 6 processes per setting, alternated)\n")
    print(pd.DataFrame(rows).to_markdown(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--heartbeat-cost", action="store_true")
    args = parser.parse_args()
    print(f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load at start {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="rtg-calls-") as tmp:
        work = Path(tmp)
        if args.table:
            table(work)
        if args.heartbeat_cost:
            heartbeat_cost(work)
    print(f"\nload at the end {loadavg()}")


if __name__ == "__main__":
    main()
