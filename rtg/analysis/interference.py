"""What interference did to a run of the grid, what was cured, and what it is charged to.

Every trial record since schema 3 says what the machine did while it timed
(steal, other processes' CPU), what its workers saw (run delay, steal on their
CPUs), how the trial cured it (runs set aside and replaced, new attempts, the
quiet gate's wait) and whether it stayed disturbed (rtg/trial/disturbance.py).
This module sums that per cell and per run of the grid, so the report can name
the cause with its size instead of guessing it from CPU shares.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from rtg.analysis import stats
from rtg.trial import disturbance

#: Per-cell table of the report, in order.
COLUMNS = [
    "backend", "scenario", "n", "trials", "disturbed_trials", "cause", "steal_s", "others_cpu_s",
    "run_delay_s", "set_aside_runs", "replacement_runs", "remeasured_trials", "quiet_wait_s",
]  # fmt: skip
KEYS = ["backend", "scenario", "n"]


def measured(timings: pd.DataFrame) -> pd.DataFrame:
    """The trials that carry the schema-3 signals (older records have none)."""
    if "remeasure" not in timings.columns:
        return timings.iloc[0:0]
    return timings[timings["remeasure"].notna()]


def dominant(causes: pd.Series) -> str | None:
    """The cause named most often among the disturbed runs of some trials (steal first on a tie)."""
    counted = Counter(c for c in causes.dropna() if c)
    if not counted:
        return None
    order = {cause: i for i, cause in enumerate(disturbance.CAUSES)}
    return sorted(counted.items(), key=lambda item: (-item[1], order.get(item[0], 99)))[0][0]


def cells(timings: pd.DataFrame) -> pd.DataFrame:
    """One row per (backend, scenario, n) with interference: what it was, how much, what was cured."""
    table = measured(timings)
    if table.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    for key, group in table.groupby(KEYS, sort=True):
        disturbed = stats.truthy(group["disturbed"])
        touched = group[(group["disturbed_runs"].fillna(0) > 0) | disturbed]
        rows.append(
            {
                **dict(zip(KEYS, key, strict=True)),
                "trials": len(group),
                "disturbed_trials": int(disturbed.sum()),
                "cause": dominant(touched["cause"]),
                "steal_s": float(group["steal_s"].fillna(0).sum()),
                "others_cpu_s": float(group["others_cpu_s"].fillna(0).sum()),
                "run_delay_s": float(group["run_delay_s"].fillna(0).sum()),
                "set_aside_runs": int(group["set_aside_runs"].fillna(0).sum()),
                "replacement_runs": int(group["replacement_runs"].fillna(0).sum()),
                "remeasured_trials": int((group["attempts"].fillna(1) > 1).sum()),
                "quiet_wait_s": float(group["quiet_wait_s"].fillna(0).sum()),
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    touched = (table["disturbed_trials"] > 0) | (table["set_aside_runs"] > 0) | (table["remeasured_trials"] > 0)
    return table[touched].reset_index(drop=True)


def overview(timings: pd.DataFrame) -> dict:
    """The whole grid: totals, the cure's counts, and whether the machine was ever quiet before a trial."""
    table = measured(timings)
    if table.empty:
        return {"trials": 0}
    disturbed = stats.truthy(table["disturbed"])
    calm = table["quiet_calm"].dropna()
    touched = table[(table["disturbed_runs"].fillna(0) > 0) | disturbed]
    return {
        "trials": len(table),
        "remeasure": bool(stats.truthy(table["remeasure"].astype(str)).any()),
        "steal_s": float(table["steal_s"].fillna(0).sum()),
        "others_cpu_s": float(table["others_cpu_s"].fillna(0).sum()),
        "timed_s": float((table["wall_s"] * table["planned_runs"].fillna(1)).sum()),
        "disturbed_runs": int(table["disturbed_runs"].fillna(0).sum()),
        "set_aside_runs": int(table["set_aside_runs"].fillna(0).sum()),
        "replacement_runs": int(table["replacement_runs"].fillna(0).sum()),
        "remeasured_trials": int((table["attempts"].fillna(1) > 1).sum()),
        "disturbed_trials": int(disturbed.sum()),
        "quiet_wait_s": float(table["quiet_wait_s"].fillna(0).sum()),
        "gated_trials": int(len(calm)),
        "never_calm_trials": int((~stats.truthy(calm.astype(str))).sum()),
        "cause": dominant(touched["cause"]),
        "causes": dict(Counter(c for c in touched["cause"].dropna() if c)),
    }


def sentences(info: dict) -> list[str]:
    """The answer's plain words on interference: the cause with its size, the cure, what could not be had."""
    if not info.get("trials"):
        return []
    out = []
    counts = (
        f"{info['set_aside_runs']} disturbed run{'s' if info['set_aside_runs'] != 1 else ''} set aside and "
        f"{info['replacement_runs']} measured anew, {info['remeasured_trials']} trial"
        f"{'s' if info['remeasured_trials'] != 1 else ''} measured again in a new process, and the quiet gate "
        f"waited {info['quiet_wait_s']:.1f} s in all"
    )
    steal = info["steal_s"]
    if info.get("never_calm_trials") and info["never_calm_trials"] == info.get("gated_trials"):
        out.append(
            f"The machine was never quiet: before each of the {info['gated_trials']} trials the gate waited its whole "
            f"bound without a calm moment ({_cause_text(info)}); {counts}."
        )
    elif info["disturbed_runs"] or info["remeasured_trials"]:
        out.append(f"Interference: {_cause_text(info)}; {counts}.")
    elif steal > 0 or info["others_cpu_s"] > 0.05 * max(info["timed_s"], 1e-9):
        out.append(
            f"The machine was not idle (hypervisor steal {steal:.2f} CPU-s, other processes {info['others_cpu_s']:.2f} "
            f"CPU-s while trials timed), but no run was kept off its CPU beyond the rule."
        )
    if info["disturbed_trials"]:
        many = info["disturbed_trials"] != 1
        out.append(
            f"{info['disturbed_trials']} trial{'s' if many else ''} stayed disturbed within the bounds "
            "(remeasure_limit, quiet_wait_limit_s), so the answer cannot be had for "
            f"{'their cells' if many else 'its cell'} here: no claim is judged on a cell where half the trials "
            "stayed disturbed (see “Interference”)."
        )
    if info.get("causes", {}).get(disturbance.STEAL):
        out.append(
            "Steal is the hypervisor running other guests on this VM's physical cores: a rerun on the same VM "
            "may meet the same neighbours; a dedicated host or instance avoids them."
        )
    return out


def _cause_text(info: dict) -> str:
    """Every cause charged, the most frequent first, with how many trials each disturbed, then the sizes."""
    sizes = f"steal {info['steal_s']:.2f} CPU-s, other processes {info['others_cpu_s']:.2f} CPU-s while trials timed"
    causes = sorted((info.get("causes") or {}).items(), key=lambda item: -item[1])
    if not causes:
        return sizes
    named = " and ".join(f"{cause} in {count} trial{'s' if count != 1 else ''}" for cause, count in causes)
    return f"{named} ({sizes})"
