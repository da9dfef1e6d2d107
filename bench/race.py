"""Benchmark: how short a call can each way of measuring resolve the start-order effect?

Not a test: it takes about 15 minutes and prints Markdown tables
(docs/benchmarks.md keeps a copy). Run it on a quiet machine: it prints the
load average next to every table.

``--resolution`` (issue 11): for n in 1e5 .. 1e8, the start-order ratio
(gil+nogil ÷ nogil+gil) with 5 processes per cell, measured four ways:

- ``pipeline, 1 run``: this pipeline with ``inner_repetitions=1`` (one timed run per process, as before);
- ``pipeline, auto``: this pipeline with the default ``inner_repetitions: auto``;
- ``pyperf``: ``Runner.bench_func`` on the same thread pair, 5 worker processes, loops calibrated by pyperf;
- ``hyperfine``: the whole process, as a user times a script (5 runs, 1 warm-up).

Each way's values are reduced the same way: one value per process (its
median), the ratio of medians with a two-level bootstrap CI
(rtg/analysis/hierarchy.py). A cell is *resolved* when the ratio's CI lies above 1.5 (the issue's bar; above 1
is also shown);
the pipeline also has the serialized shares, resolved when the two CIs do not
overlap. The time column is the wall time the way took to measure both cells
at that n (builds excluded: done once beforehand).

``--artifacts``: the race with per-thread pinning and the main thread pinned
to the last worker's CPU (the default), with the main thread left free (as
before this benchmark), and with no pinning at all; first run against later
runs in each process.

    python bench/race.py --resolution --artifacts
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

from rtg.analysis import hierarchy  # noqa: E402
from rtg.trial import race  # noqa: E402

IGNORED = shutil.ignore_patterns("results", ".snakemake", ".git", "__pycache__", ".pytest_cache", ".ruff_cache")
N_VALUES = [100_000, 1_000_000, 10_000_000, 100_000_000]
BACKENDS = ["cython", "numba"]
PAIR = ("gil+nogil", "nogil+gil")
PROCESSES = 5
THRESHOLD = 1.5

#: One thread pair as a user writes it, run once per process (timed whole by hyperfine).
PAIR_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    sys.path.insert(0, {root!r})
    from pathlib import Path
    import kernels


    def make_pair(backend, scenario, n):
        fns = [kernels.load(backend).entry_point(t, Path({build!r}) / backend) for t in scenario.split("+")]
        for f in fns:
            f(1000)

        def pair():
            threads = [threading.Thread(target=f, args=(n,)) for f in fns]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        return pair


    if __name__ == "__main__":
        make_pair(sys.argv[1], sys.argv[2], int(sys.argv[3]))()
    """
)
#: The same pair under pyperf: bench_func, worker processes and loops as pyperf chooses them.
PYPERF_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {here!r})
    import pyperf
    from pair import make_pair


    def worker_args(cmd, args):
        cmd.extend((args.backend, args.scenario, str(args.n)))


    runner = pyperf.Runner(processes={processes}, add_cmdline_args=worker_args)
    runner.argparser.add_argument("backend")
    runner.argparser.add_argument("scenario")
    runner.argparser.add_argument("n", type=int)
    args = runner.parse_args()
    runner.bench_func(f"{{args.backend}} {{args.scenario}} {{args.n}}", make_pair(args.backend, args.scenario, args.n))
    """
)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def copy_project(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=IGNORED)
    return dest


def snakemake(workdir: Path, *args: str) -> float:
    """Run snakemake in ``workdir``; return its wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=workdir, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return time.perf_counter() - start


def ratio(first: list[np.ndarray], second: list[np.ndarray]) -> tuple[float, float, float]:
    return hierarchy.ratio_ci(first, [second], [1.0], seed=0)


def pipeline_way(project: Path, backend: str, n: int, inner: str) -> dict:
    grid = [f"backends=[{backend}]", "scenarios=[gil+nogil,nogil+gil]", f"n_values=[{n}]",
            f"repetitions={PROCESSES}", "safety_experiment=false", f"inner_repetitions={inner}"]  # fmt: skip
    seconds = snakemake(project, "results/timings.csv", "--config", *grid)
    runs = pd.read_csv(project / "results" / "runs.csv")
    timings = pd.read_csv(project / "results" / "timings.csv")
    groups = {s: [g["wall_s"].to_numpy() for _, g in runs[runs["scenario"] == s].groupby("rep")] for s in PAIR}
    shares = {}
    for s in PAIR:
        cell = timings[timings["scenario"] == s]
        shares[s] = race.fraction_ci(list(cell["serialized_runs"]), list(cell["runs"]))
    return {"seconds": seconds, "ratio": ratio(groups[PAIR[0]], groups[PAIR[1]]), "shares": shares,
            "runs": int(timings["runs"].median())}  # fmt: skip


def pyperf_way(script: Path, backend: str, n: int, work: Path) -> dict:
    import pyperf

    groups, seconds = {}, 0.0
    for s in PAIR:
        out = work / f"pyperf-{backend}-{s}-{n}.json"
        out.unlink(missing_ok=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, str(script), "--quiet", "-o", str(out), backend, s, str(n)],
                       check=True, capture_output=True, text=True)  # fmt: skip
        seconds += time.perf_counter() - start
        bench = pyperf.Benchmark.load(str(out))
        groups[s] = [np.asarray(run.values) for run in bench.get_runs() if run.values]
    return {"seconds": seconds, "ratio": ratio(groups[PAIR[0]], groups[PAIR[1]]), "shares": None, "runs": None}


def hyperfine_way(script: Path, backend: str, n: int, work: Path) -> dict:
    groups, seconds = {}, 0.0
    for s in PAIR:
        out = work / f"hyperfine-{backend}-{s}-{n}.json"
        command = f"{sys.executable} {script} {backend} {s} {n}"
        start = time.perf_counter()
        subprocess.run(["hyperfine", "--runs", str(PROCESSES), "--warmup", "1", "--style", "none",
                        "--export-json", str(out), command], check=True, capture_output=True, text=True)  # fmt: skip
        seconds += time.perf_counter() - start
        times = json.loads(out.read_text())["results"][0]["times"]
        groups[s] = [np.array([t]) for t in times]
    return {"seconds": seconds, "ratio": ratio(groups[PAIR[0]], groups[PAIR[1]]), "shares": None, "runs": None}


def fmt_ratio(r: tuple[float, float, float]) -> str:
    return f"{r[0]:.2f} [{r[1]:.2f}–{r[2]:.2f}]"


def resolution(work: Path) -> None:
    project = copy_project(work / "project")
    print(f"building (load {loadavg()}) ...", file=sys.stderr)
    snakemake(project, "results/build/cython/manifest.json", "results/build/numba/manifest.json")
    script = work / "pair.py"
    script.write_text(PAIR_SCRIPT.format(root=str(project), build=str(project / "results" / "build")))
    perf_script = work / "pair_pyperf.py"
    perf_script.write_text(PYPERF_SCRIPT.format(here=str(work), processes=PROCESSES))
    rows = []
    for backend in BACKENDS:
        for n in N_VALUES:
            found = {
                "pipeline, 1 run": pipeline_way(project, backend, n, "1"),
                "pipeline, auto": pipeline_way(project, backend, n, "auto"),
                "pyperf": pyperf_way(perf_script, backend, n, work),
                "hyperfine": hyperfine_way(script, backend, n, work),
            }
            for way, f in found.items():
                shares = f["shares"]
                separate = shares and shares[PAIR[0]]["ci_low"] > shares[PAIR[1]]["ci_high"]
                rows.append({
                    "backend": backend, "n": f"{n:.0e}", "way": way,
                    "runs/process": f["runs"] if f["runs"] else "",
                    "gil+nogil ÷ nogil+gil": fmt_ratio(f["ratio"]),
                    "CI > 1": "yes" if f["ratio"][1] > 1 else "no",
                    "CI > 1.5": "yes" if f["ratio"][1] > THRESHOLD else "no",
                    "serialized": (f"{shares[PAIR[0]]['fraction']:.0%} vs {shares[PAIR[1]]['fraction']:.0%}"
                                   + (" (separate)" if separate else " (overlap)")) if shares else "–",
                    "time (s)": f"{f['seconds']:.1f}",
                    "load": loadavg(),
                })  # fmt: skip
            print(pd.DataFrame(rows[-4:]).to_markdown(index=False), file=sys.stderr)
    print(f"\n### Resolution (processes per cell: {PROCESSES})\n")
    print(pd.DataFrame(rows).to_markdown(index=False))


ARTIFACT_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from rtg.trial import run as trial
    from rtg.core.scenarios import parse
    backend, scenario, n, variant = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if variant == "main thread free":
        trial.main_cpu = lambda cpus: None
    plan = trial.TrialPlan(backend, parse(scenario), n, 1, pin_threads=variant != "no pinning")
    r = trial.run_trial(plan, Path({build!r}) / backend, {{}})
    print(json.dumps({{"first": r["runs"][0]["serialized"], "later": sum(x["serialized"] for x in r["runs"][1:]),
                      "later_runs": len(r["runs"]) - 1}}))
    """
)


def artifacts(work: Path) -> None:
    project = work / "project"
    if not project.exists():
        copy_project(project)
        snakemake(project, "results/build/cython/manifest.json", "results/build/numba/manifest.json")
    script = work / "artifact.py"
    script.write_text(ARTIFACT_SCRIPT.format(root=str(project), build=str(project / "results" / "build")))
    rows = []
    for backend in BACKENDS:
        for n in (100_000, 1_000_000, 10_000_000):
            for variant in ("main thread on last worker's CPU", "main thread free", "no pinning"):
                for scenario in ("nogil+gil", "gil+nogil"):
                    found = [json.loads(subprocess.run(
                        [sys.executable, str(script), backend, scenario, str(n), variant],
                        check=True, capture_output=True, text=True).stdout) for _ in range(PROCESSES)]  # fmt: skip
                    later = sum(f["later"] for f in found)
                    later_runs = sum(f["later_runs"] for f in found)
                    per_process = [f["later"] for f in found]
                    rows.append({
                        "backend": backend, "n": f"{n:.0e}", "pinning": variant, "scenario": scenario,
                        "first runs serialized": f"{sum(f['first'] for f in found)} of {PROCESSES}",
                        "later runs serialized": f"{later} of {later_runs} ({later / max(1, later_runs):.0%})",
                        "per process": " ".join(str(x) for x in per_process),
                        "load": loadavg(),
                    })  # fmt: skip
            print(pd.DataFrame(rows[-6:]).to_markdown(index=False), file=sys.stderr)
    print(f"\n### Pinning and first runs ({PROCESSES} processes per row, inner_repetitions auto)\n")
    print(pd.DataFrame(rows).to_markdown(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", action="store_true")
    parser.add_argument("--artifacts", action="store_true")
    parser.add_argument("--n-values", type=lambda text: [int(float(x)) for x in text.split(",")], default=N_VALUES)
    parser.add_argument("--backends", type=lambda text: text.split(","), default=BACKENDS)
    args = parser.parse_args()
    N_VALUES[:] = args.n_values
    BACKENDS[:] = args.backends
    print(f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load at start {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="rtg-race-") as tmp:
        work = Path(tmp)
        if args.resolution:
            resolution(work)
        if args.artifacts:
            artifacts(work)
    print(f"\nload at the end {loadavg()}")


if __name__ == "__main__":
    main()
