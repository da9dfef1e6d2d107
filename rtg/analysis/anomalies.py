"""Flags that say whether the measurement itself is suspect.

They head the report because every later number is only as good as these
checks: a nogil copy of the loop that runs slower for reasons unrelated to
the GIL, noisy or under-sampled cells, trials that shared the CPUs with
something else, and any incorrect result.
"""

from __future__ import annotations

import pandas as pd

from rtg.analysis import stats
from rtg.trial import disturbance

#: Cells noisier than this coefficient of variation are flagged.
MAX_CV = 0.10
#: Cells with fewer trials than this are flagged (the CI is too wide to judge).
MIN_REPETITIONS = 5
#: A single-thread trial whose CPU time is below this share of its wall time
#: spent part of its time descheduled: something else used its core.
MIN_SINGLE_CPU_SHARE = 0.9
#: A multi-thread trial whose wall exceeds the sum of its threads' CPU times
#: by this factor had time when none of its threads ran at all.
MAX_WALL_OVER_CPU = 1.1

WARNING = "warning"
INFO = "info"
COLUMNS = ["severity", "kind", "cell", "message"]


def _cell(row: pd.Series, keys: list[str], table: pd.DataFrame) -> str:
    return stats.cell_label(row, keys, table)


def mode_mismatch(summary: pd.DataFrame, cflags: list[str] | None = None) -> list[dict]:
    """Same backend, single gil vs single nogil medians more than 5 % apart.

    Both copies run the same loop, so a difference is not the GIL: on this
    kind of machine a default -O3 Cython build ran its nogil copy 2x slower
    because the inlined loop straddled a 64-byte boundary.
    """
    group_keys = stats.group_key_columns(summary)
    rows = []
    singles = summary[summary["scenario"].isin(["gil", "nogil"])]
    for key, group in singles.groupby(group_keys, sort=True):
        medians = group.set_index("scenario")["wall_median"]
        if not {"gil", "nogil"} <= set(medians.index):
            continue
        ratio = medians["nogil"] / medians["gil"]
        if abs(ratio - 1) > stats.MODE_MISMATCH:
            cell = _cell(pd.Series(dict(zip(group_keys, key, strict=True))), group_keys, summary)
            flags = " ".join(cflags) if cflags else "see the build manifest"
            rows.append(
                {
                    "severity": WARNING,
                    "kind": "gil/nogil copies differ",
                    "cell": cell,
                    "message": (
                        f"the single nogil call takes {ratio:.2f}× the single gil call; both copies run "
                        f"the same loop, so the difference is code placement or compilation, not the GIL "
                        f"(build flags: {flags}). Ratios against 'one call' use the mean of both."
                    ),
                }
            )
    return rows


def oversubscribed_cells(timings: pd.DataFrame) -> list[dict]:
    """Cells whose worker threads outnumbered the CPUs a trial could use (thread_counts with oversubscribe:
    true, or a long scenario): the threads took turns on the CPUs, so their wall time is not how the code scales."""
    if "oversubscribed" not in timings.columns:
        return []
    over = timings[stats.truthy(timings["oversubscribed"].fillna(False))]
    keys = stats.cell_key_columns(timings)
    rows = []
    for _, trials in over.groupby(keys, sort=True):
        first = trials.iloc[0]
        cpus = trials["usable_cpus"].dropna()
        where = f"{int(cpus.max())} CPUs" if len(cpus) else "fewer CPUs"
        rows.append(
            {
                "severity": WARNING,
                "kind": "oversubscribed",
                "cell": _cell(first, keys, timings),
                "message": f"{int(first['threads'])} threads on {where} in {len(trials)} trial(s): threads shared "
                f"CPUs, so its wall time and speedup show the machine, not how the code scales",
            }
        )
    return rows


def noisy_cells(summary: pd.DataFrame) -> list[dict]:
    """Cells with CV above 10 % or fewer than 5 correct repetitions."""
    keys = stats.cell_key_columns(summary)
    rows = []
    for _, row in summary.iterrows():
        cell = _cell(row, keys, summary)
        if row["wall_cv"] > MAX_CV:
            rows.append(
                {
                    "severity": WARNING,
                    "kind": "noisy cell",
                    "cell": cell,
                    "message": f"wall-time CV {row['wall_cv']:.0%} (> {MAX_CV:.0%})",
                }
            )
        if row["count"] < MIN_REPETITIONS:
            rows.append(
                {
                    "severity": INFO,
                    "kind": "few repetitions",
                    "cell": cell,
                    "message": f"{int(row['count'])} correct trials (< {MIN_REPETITIONS}): wide CIs",
                }
            )
        if row["wall_outliers"] > 0:
            rows.append(
                {
                    "severity": INFO,
                    "kind": "outliers",
                    "cell": cell,
                    "message": f"{int(row['wall_outliers'])} wall-time outlier(s) by the median/MAD rule "
                    f"(kept: medians resist them)",
                }
            )
    return rows


def interference(metrics: pd.DataFrame) -> pd.DataFrame:
    """Trials that stayed disturbed, with the reason (one row per trial).

    A trial with the schema-3 signals is disturbed when the one rule of
    rtg/trial/disturbance.py let fewer than half its planned runs through, even
    after replacing runs and measuring it again; its reason names the cause
    charged (hypervisor steal, other programs, the pipeline's own jobs) with
    the amounts. Older records fall back on what they have:

    - the 1-minute load average before the trial exceeded the logical CPUs;
    - a single-thread trial got less than 90 % of its wall time as CPU time;
    - a multi-thread trial's wall exceeded 1.1x the sum of its threads' CPU
      time: even run one after another they would have finished sooner.

    (CPU ÷ wall cannot tell steal from other programs: that is why records now carry both.)
    """
    reasons = []
    signals = "remeasure" in metrics.columns
    for _, row in metrics.iterrows():
        if signals and pd.notna(row.get("remeasure")):
            reasons.append(_disturbed_reason(row))
            continue
        why = []
        if row.get("loadavg_before", 0) > row.get("logical_cpus", float("inf")):
            why.append(f"load average {row['loadavg_before']:.2f} > {int(row['logical_cpus'])} CPUs")
        if row["threads"] == 1 and row["cpu_s"] < MIN_SINGLE_CPU_SHARE * row["wall_s"]:
            why.append(f"CPU {row['cpu_s'] / row['wall_s']:.0%} of wall")
        cpu_sum = row.get("thread_cpu_sum_s", float("nan"))
        if row["threads"] > 1 and row["wall_s"] > MAX_WALL_OVER_CPU * cpu_sum:
            why.append(f"wall {row['wall_s'] / cpu_sum:.2f}× the threads' summed CPU")
        reasons.append("; ".join(why))
    out = metrics.assign(reason=reasons)
    return out[out["reason"] != ""]


def _disturbed_reason(row: pd.Series) -> str:
    """Why a schema-3 trial stayed disturbed ('' when it did not)."""
    if str(row.get("disturbed")).strip().lower() not in ("true", "1", "1.0"):
        return ""
    kept = int(row["planned_runs"]) - int(row.get("disturbed_runs") or 0)
    return (
        f"{row.get('cause') or 'unknown cause'}: {int(row.get('disturbed_runs') or 0)} of its runs disturbed "
        f"after {int(row.get('attempts') or 1)} attempt(s) (steal {float(row.get('steal_s') or 0):.2f} s, other "
        f"processes {float(row.get('others_cpu_s') or 0):.2f} CPU-s, workers' run delay "
        f"{float(row.get('run_delay_s') or 0):.3f} s){'' if kept > 0 else '; no undisturbed run'}"
    )


def _kind(row: pd.Series) -> str:
    """The flag's kind: the cause the trial's record charged, when it names one (schema 3)."""
    cause = row.get("cause")
    return f"disturbed by {cause}" if cause in disturbance.CAUSES else "outside interference"


def disturbed_cells(metrics: pd.DataFrame, share: float = 0.5) -> set[tuple[str, str, int]]:
    """(backend, scenario, n) cells with outside interference in at least ``share`` of their trials."""
    if metrics.empty:
        return set()
    suspect = interference(metrics)
    keys = ["backend", "scenario", "n"]
    total = metrics.groupby(keys).size()
    bad = suspect.groupby(keys).size().reindex(total.index, fill_value=0)
    return {(b, s, int(n)) for (b, s, n), count in bad.items() if count >= share * total[(b, s, n)]}


def interference_flags(metrics: pd.DataFrame) -> list[dict]:
    """One flag per cell that had interfered trials."""
    suspect = interference(metrics)
    keys = stats.cell_key_columns(metrics)
    rows = []
    for key, group in suspect.groupby(keys, sort=True):
        total = len(metrics.merge(pd.DataFrame([key], columns=keys), on=keys))
        first = group.iloc[0]
        rows.append(
            {
                "severity": WARNING,
                "kind": _kind(first),
                "cell": _cell(first, keys, metrics),
                "message": f"{len(group)} of {total} trials: {first['reason']}",
            }
        )
    return rows


def incorrect(timings: pd.DataFrame) -> list[dict]:
    """Every incorrect trial, listed (they are excluded from all statistics)."""
    keys = stats.cell_key_columns(timings)
    good = stats.valid_trials(timings).index
    rows = []
    for idx, row in timings.drop(index=good).iterrows():
        rows.append(
            {
                "severity": WARNING,
                "kind": "incorrect result",
                "cell": _cell(row, keys, timings),
                "message": f"rep {row['rep']}: result {row.get('result', '?')} is wrong "
                f"({row.get('trial_file', 'trial ' + str(idx))}); excluded from every statistic",
            }
        )
    return rows


def missing(missing_trials: pd.DataFrame | None) -> list[dict]:
    """Grid cells without a trial file (allow_partial runs): listed, never imputed."""
    if missing_trials is None or missing_trials.empty:
        return []
    rows = []
    for (backend, scenario, n), group in missing_trials.groupby(["backend", "scenario", "n"], sort=True):
        reps = ", ".join(str(r) for r in sorted(group["rep"]))
        reason = str(group["reason"].iloc[0]) if "reason" in group else ""
        rows.append(
            {
                "severity": WARNING,
                "kind": "missing trials",
                "cell": f"{backend} / {scenario} / n={int(n):,}",
                "message": f"rep {reps} missing (never imputed): {reason}",
            }
        )
    return rows


def slow_kernels(cycles: pd.DataFrame | None) -> list[dict]:
    """Native kernels above the cycles/iteration limit (rtg.machine.calibration.flag_slow).

    A compiled loop of one dependent add per iteration runs at 1.00 cycle per
    iteration; above 1.10 the comparison is about code generation (alignment,
    flags), not the GIL.
    """
    if cycles is None or cycles.empty or "flagged" not in cycles.columns:
        return []
    rows = []
    for _, row in cycles[stats.truthy(cycles["flagged"])].iterrows():
        judged = row["cycles_per_iteration_cpu"]
        judged = row["cycles_per_iteration"] if pd.isna(judged) else judged
        rows.append(
            {
                "severity": WARNING,
                "kind": "slow kernel",
                "cell": f"{row['backend']} / {row['scenario']} / n={int(row['n']):,}",
                "message": f"{judged:.2f} cycles per loop iteration (> 1.10, the hardware limit is 1.00): "
                "the loop is not at the hardware limit; check the build flags and loop alignment.",
            }
        )
    return rows


def bimodal_cells(summary: pd.DataFrame) -> list[dict]:
    """Cells whose runs split between overlapping and serialized (rtg/trial/race.py): the median hides that."""
    if "bimodal" not in summary.columns:
        return []
    keys = stats.cell_key_columns(summary)
    rows = []
    for _, row in summary[stats.truthy(summary["bimodal"])].iterrows():
        rows.append(
            {
                "severity": WARNING,
                "kind": "two outcomes",
                "cell": _cell(row, keys, summary),
                "message": (
                    f"{row['serialized_fraction']:.0%} of its runs serialized (95 % CI "
                    f"{row['serialized_ci_low']:.0%}–{row['serialized_ci_high']:.0%}) and the rest overlapped: "
                    f"its median wall time describes neither outcome (see 'Race outcome')"
                ),
            }
        )
    return rows


def flags(
    timings: pd.DataFrame,
    metrics: pd.DataFrame,
    summary: pd.DataFrame,
    cflags: list[str] | None = None,
    missing_trials: pd.DataFrame | None = None,
    cycles: pd.DataFrame | None = None,
    extra: list[dict] | None = None,
) -> pd.DataFrame:
    """All flags, warnings first; ``extra`` rows come from other modules (e.g. mixed nodes, rtg/report/nodes.py)."""
    rows = (
        incorrect(timings)
        + missing(missing_trials)
        + slow_kernels(cycles)
        + mode_mismatch(summary, cflags)
        + interference_flags(stats.valid_trials(metrics))
        + oversubscribed_cells(timings)
        + bimodal_cells(summary)
        + noisy_cells(summary)
        + list(extra or [])
    )
    table = pd.DataFrame(rows, columns=COLUMNS)
    order = {WARNING: 0, INFO: 1}
    return table.sort_values("severity", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
