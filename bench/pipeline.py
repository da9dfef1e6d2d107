"""Benchmark the pipeline itself: per-trial overhead, DAG time, default grid, cycles/iteration.

Not a test: it takes minutes and prints Markdown tables (docs/benchmarks.md
keeps a copy). Every run happens in a fresh copy of the project under a
temporary directory, so results/ of the working tree is never touched.

Per-trial overhead is measured differentially: the same tiny grid runs with 2
and with 5 repetitions, and

    overhead = ((wall_5 - timed_5) - (wall_2 - timed_2)) / (trials_5 - trials_2)

where wall is the whole ``snakemake`` run and timed the sum of the trials'
timed regions. Fixed costs (start-up, DAG, builds, calibration, aggregation)
are the same in both runs and drop out. The same difference is also taken of
CPU seconds (snakemake and every job it ran, from getrusage of the children,
minus the trials' own timed CPU): on a machine shared with other work the wall
overhead grows with the load, the CPU overhead much less.

    python bench/pipeline.py                   # overhead, dry-run, cycles
    python bench/pipeline.py --default-grid    # also the default grid's wall time
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

IGNORED = shutil.ignore_patterns("results", ".snakemake", ".git", "__pycache__", ".pytest_cache", ".ruff_cache")
#: n of the overhead grid: about 0.5 ms per loop, so the trial is almost all overhead.
TINY_N = 2_000_000
SMALL_REPS, LARGE_REPS = 2, 5
#: Scenarios of the default config (the dry-run grid uses all of them).
SCENARIOS = ["gil", "nogil", "gil+gil", "nogil+gil", "gil+nogil", "nogil+nogil"]
#: n of the cycles grid: 0.05 s per single-thread trial at 4 GHz, start-up negligible.
CYCLES_N = 200_000_000


@dataclass
class GridRun:
    """One ``snakemake`` run: wall and CPU time, the same summed over the trials' timed regions."""

    wall_s: float
    timed_s: float
    trials: int
    cpu_s: float = 0.0
    timed_cpu_s: float = 0.0
    median_gap_s: float = float("nan")
    #: The quiet gate's waits (excluded from the overhead: they wait for the machine, not for the pipeline).
    gate_s: float = 0.0
    #: Hypervisor steal over the whole snakemake run, CPU seconds (/proc/stat).
    steal_s: float = 0.0

    @property
    def untimed_s(self) -> float:
        return self.wall_s - self.timed_s - self.gate_s

    @property
    def untimed_cpu_s(self) -> float:
        return self.cpu_s - self.timed_cpu_s


def overhead_per_trial(small: GridRun, large: GridRun, cpu: bool = False) -> float:
    """Seconds (wall, or CPU with ``cpu``) the pipeline adds per trial beyond its timed region."""
    extra = large.trials - small.trials
    if extra <= 0:
        raise ValueError(f"the large run needs more trials than the small one ({large.trials} <= {small.trials})")
    if cpu:
        return (large.untimed_cpu_s - small.untimed_cpu_s) / extra
    return (large.untimed_s - small.untimed_s) / extra


def timed_total(timings_csv: Path) -> tuple[float, int, float]:
    """Sums of the timed regions' wall and CPU seconds, and the trial count.

    Every timed run counts (runs.csv beside timings.csv: a trial's inner runs, its replacements and earlier
    attempts), not one median per trial: with ``inner_repetitions: auto`` a 0.7 ms call is timed about
    100 times, 0.1 s of timed work that is the measurement, not the pipeline's overhead.
    """
    import csv

    with open(timings_csv, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    runs_csv = Path(timings_csv).with_name("runs.csv")
    if runs_csv.is_file():
        with open(runs_csv, encoding="utf-8", newline="") as handle:
            runs = list(csv.DictReader(handle))
        return sum(float(r["wall_s"]) for r in runs), len(rows), sum(float(r["cpu_s"]) for r in runs)
    return sum(float(r["wall_s"]) for r in rows), len(rows), sum(float(r["cpu_s"]) for r in rows)


def gate_total(timings_csv: Path) -> float:
    """Seconds the quiet gate waited over all trials (rtg/trial/quiet.py); 0 for checkouts without it."""
    import csv

    with open(timings_csv, encoding="utf-8", newline="") as handle:
        return sum(float(r.get("quiet_wait_s") or 0) for r in csv.DictReader(handle))


def median_gap(timings_csv: Path) -> float:
    """Median time from one trial's timed region to the next one's (trials run one at a time).

    Each gap is the per-trial overhead itself: the finished trial's exit, the
    scheduler, and the next process's start-up, imports and warm-up. The median
    ignores the few gaps where another job (build, calibration) ran in between.
    """
    import csv

    with open(timings_csv, encoding="utf-8", newline="") as handle:
        spans = sorted((float(r["started_at"]), float(r["ended_at"])) for r in csv.DictReader(handle))
    gaps = [start - previous_end for (_, previous_end), (start, _) in zip(spans, spans[1:], strict=False)]
    return statistics.median(gaps) if gaps else float("nan")


def children_cpu_s() -> float:
    """CPU seconds (user + system) of every finished child process and their waited-for children."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def job_counts(dry_run_output: str) -> dict[str, int]:
    """Parse the 'Job stats' table snakemake prints (rule -> job count)."""
    if "Job stats:" not in dry_run_output:
        return {}
    counts = {}
    for line in dry_run_output.split("Job stats:", 1)[1].splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def dry_run_grid(target_trials: int, backends: int = 2, scenarios: int = len(SCENARIOS), n_count: int = 10):
    """n_values and repetitions giving at least ``target_trials`` trials, with ``n_count`` values of n."""
    per_rep = backends * scenarios * n_count
    repetitions = -(-target_trials // per_rep)
    n_values = [1_000_000 * (i + 1) for i in range(n_count)]
    return n_values, repetitions


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    """A GitHub Markdown table; floats keep three decimals."""

    def cell(value: object) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


#: The checkout to benchmark (``--project`` points it elsewhere, e.g. an export of main for "before").
PROJECT = ROOT


def fresh_copy(parent: Path, name: str) -> Path:
    """A copy of the project's sources (never its results) in ``parent/name``."""
    return Path(shutil.copytree(PROJECT, parent / name, ignore=IGNORED))


def snakemake(
    workdir: Path, args: list[str], timeout: float = 3600
) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run the real snakemake CLI (argument list, no shell); return (wall s, CPU s, result)."""
    command = [sys.executable, "-m", "snakemake", *args]
    cpu0 = children_cpu_s()
    STEAL.append(steal_now())
    start = time.perf_counter()
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    STEAL.append(steal_now() - STEAL.pop())
    cpu = children_cpu_s() - cpu0
    if result.returncode != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed in {workdir}:\n{result.stderr[-3000:]}")
    return wall, cpu, result


#: Steal of the last snakemake run (a one-slot stack: set by ``snakemake``, read by ``run_grid``).
STEAL: list[float] = []


def steal_now() -> float:
    """CPU seconds stolen so far, all CPUs (/proc/stat, 8th field of the cpu line; 0 without it)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            return int(handle.readline().split()[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def run_grid(parent: Path, name: str, config: list[str], cores: int) -> tuple[GridRun, Path]:
    """Run a whole grid in a fresh copy; return its GridRun and the copy."""
    workdir = fresh_copy(parent, name)
    wall, cpu, _ = snakemake(workdir, ["--cores", str(cores), "--config", *config])
    timings = workdir / "results" / "timings.csv"
    timed, trials, timed_cpu = timed_total(timings)
    run = GridRun(wall_s=wall, timed_s=timed, trials=trials, cpu_s=cpu, timed_cpu_s=timed_cpu)
    run.median_gap_s = median_gap(timings)
    run.gate_s = gate_total(timings)
    run.steal_s = STEAL.pop() if STEAL else 0.0
    return run, workdir


def measure_overhead(parent: Path, backend: str, repeat: int, cores: int, extra: list[str]) -> dict:
    """Differential per-trial overhead of one backend on the tiny grid."""
    base = [f"backends=[{backend}]", f"n_values=[{TINY_N}]", *extra]
    small, _ = run_grid(parent, f"{backend}-small-{repeat}", [*base, f"repetitions={SMALL_REPS}"], cores)
    large, _ = run_grid(parent, f"{backend}-large-{repeat}", [*base, f"repetitions={LARGE_REPS}"], cores)
    return {
        "backend": backend,
        "small": small,
        "large": large,
        "overhead_s": overhead_per_trial(small, large),
        "overhead_cpu_s": overhead_per_trial(small, large, cpu=True),
    }


def measure_dry_run(parent: Path, target: int, cores: int) -> dict:
    """Time ``snakemake -n`` on a grid of at least ``target`` trials."""
    n_values, repetitions = dry_run_grid(target)
    workdir = fresh_copy(parent, "dry-run")
    config = [f"n_values=[{','.join(map(str, n_values))}]", f"repetitions={repetitions}"]
    wall, cpu, result = snakemake(workdir, ["--dry-run", "--cores", str(cores), "--config", *config])
    counts = job_counts(result.stdout + result.stderr)
    return {"wall_s": wall, "cpu_s": cpu, "trials": counts.get("trial", 0), "jobs": counts.get("total", 0)}


def cycles_rows(workdir: Path) -> tuple[float, list[dict]]:
    """The clock and cycles.csv of a finished run."""
    import csv

    clock = json.loads((workdir / "results" / "calibration.json").read_text(encoding="utf-8"))["clock_hz"]
    with open(workdir / "results" / "cycles.csv", encoding="utf-8", newline="") as handle:
        return clock, list(csv.DictReader(handle))


def machine() -> dict:
    from rtg.trial import metadata

    return {
        "cpu_model": metadata.cpu_model(),
        "logical_cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg": metadata.loadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["cython", "numba"])
    parser.add_argument("--repeats", type=int, default=2, help="differential overhead measurements per backend")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--dry-run-trials", type=int, default=10_000)
    parser.add_argument("--default-grid", action="store_true", help="also time the default grid (minutes)")
    parser.add_argument("--cython-cflags", default=None, help="e.g. '-O3' to check the misaligned-loop artifact")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    parser.add_argument("--project", type=Path, default=ROOT, help="checkout to benchmark (default: this one)")
    parser.add_argument("--skip-dry-run", action="store_true")
    parser.add_argument("--skip-cycles", action="store_true", help="for checkouts without the calibration rules")
    args = parser.parse_args(argv)
    global PROJECT
    PROJECT = args.project.resolve()
    extra = [f"cython_cflags=[{args.cython_cflags}]"] if args.cython_cflags else []

    parent = Path(tempfile.mkdtemp(prefix="rtg-bench-"))
    before = machine()
    out = [
        f"Project: {PROJECT}. Machine: {before['cpu_model']}, {before['logical_cpus']} logical CPUs, "
        f"Python {before['python']}; load average at start {before['loadavg']}.",
        "",
    ]
    try:
        rows = []
        per_backend: dict[str, list[float]] = {}
        per_backend_cpu: dict[str, list[float]] = {}
        per_backend_gap: dict[str, list[float]] = {}
        for repeat in range(args.repeats):
            for backend in args.backends:
                m = measure_overhead(parent, backend, repeat, args.cores, extra)
                per_backend.setdefault(backend, []).append(m["overhead_s"])
                per_backend_cpu.setdefault(backend, []).append(m["overhead_cpu_s"])
                per_backend_gap.setdefault(backend, []).append(m["large"].median_gap_s)
                rows.append(
                    [
                        backend,
                        repeat + 1,
                        f"{m['small'].trials} / {m['large'].trials}",
                        f"{m['small'].wall_s:.2f} / {m['large'].wall_s:.2f}",
                        f"{m['small'].timed_s:.3f} / {m['large'].timed_s:.3f}",
                        f"{m['small'].gate_s:.1f} / {m['large'].gate_s:.1f}",
                        f"{m['small'].steal_s:.2f} / {m['large'].steal_s:.2f}",
                        f"{m['small'].cpu_s:.2f} / {m['large'].cpu_s:.2f}",
                        m["overhead_s"],
                        m["overhead_cpu_s"],
                        m["large"].median_gap_s,
                        f"{machine()['loadavg'][0]}",
                    ]
                )
        out += ["## Per-trial overhead (differential, n = 2e6)", ""]
        headers = [
            "backend",
            "repeat",
            "trials (2 / 5 reps)",
            "wall s",
            "timed s",
            "gate s",
            "steal CPU-s",
            "CPU s",
            "overhead wall s/trial",
            "overhead CPU s/trial",
            "median gap s (5 reps)",
            "load (1 min) after",
        ]
        out += [markdown_table(headers, rows), ""]
        means = {b: statistics.mean(v) for b, v in per_backend.items()}
        means_cpu = {b: statistics.mean(v) for b, v in per_backend_cpu.items()}
        gaps = {b: statistics.median(v) for b, v in per_backend_gap.items()}
        summary = [[b, len(v), means[b], min(v), max(v), means_cpu[b], gaps[b]] for b, v in per_backend.items()]
        mean_row = ["mean of backends", "", statistics.mean(means.values()), "", ""]
        summary.append([*mean_row, statistics.mean(means_cpu.values()), statistics.mean(gaps.values())])
        headers = ["backend", "measurements", "mean wall s/trial", "min", "max", "mean CPU s/trial", "median gap s"]
        out += [markdown_table(headers, summary), ""]

        if not args.skip_dry_run:
            dry = measure_dry_run(parent, args.dry_run_trials, args.cores)
            out += ["## `snakemake -n` on a large grid", ""]
            row = [[dry["trials"], dry["jobs"], dry["wall_s"], dry["cpu_s"], f"{machine()['loadavg'][0]}"]]
            out += [markdown_table(["trials", "jobs", "wall s", "CPU s", "load (1 min) after"], row), ""]

        if args.default_grid:
            run, workdir = run_grid(parent, "default-grid", extra, args.cores)
            out += ["## Default grid", ""]
            headers = ["trials", "wall s", "timed s", "untimed s"]
            out += [markdown_table(headers, [[run.trials, run.wall_s, run.timed_s, run.untimed_s]]), ""]
        elif not args.skip_cycles:
            config = ["scenarios=[gil,nogil]", f"n_values=[{CYCLES_N}]", "repetitions=3", *extra]
            _, workdir = run_grid(parent, "cycles", config, args.cores)
        if not args.skip_cycles:
            clock, cyc = cycles_rows(workdir)
            title = f"## Cycles per iteration (clock {clock / 1e9:.3f} GHz, fastest trial per grid point)"
            out += [title, ""]
            cyc_rows = [
                [
                    r["backend"],
                    r["scenario"],
                    r["n"],
                    r["trials"],
                    float(r["cycles_per_iteration"]),
                    float(r["cycles_per_iteration_median"]),
                    float(r["cycles_per_iteration_cpu"]),
                    r["flagged"],
                ]
                for r in cyc
                if int(r["n"]) >= 10_000_000
            ]
            headers = [
                "backend",
                "scenario",
                "n",
                "trials",
                "cycles/iteration (wall)",
                "(median trial)",
                "(CPU time)",
                "flagged",
            ]
            out += [markdown_table(headers, cyc_rows), ""]
        out += [f"Load average at end: {machine()['loadavg']}."]
    finally:
        if args.keep:
            out.append(f"(copies kept in {parent})")
        else:
            shutil.rmtree(parent, ignore_errors=True)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
