"""The blog's claims, its own numbers, and the rule that judges them.

Verdict rule (an equivalence test on the 95 % CI): every claim names a band
of values that would count as "the same" as the blog's statement, e.g. 1.7x
to 2.3x for "about 2x".

- reproduced: the whole CI lies inside the band;
- not reproduced: the whole CI lies outside the band;
- inconclusive: the CI straddles a band edge (more repetitions would decide),
  or there is no CI (fewer than 2 trials in a cell).

Claim 6 is judged from the safety experiment's outcomes instead of a ratio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rtg.analysis import stats
from rtg.core import axes, scenarios

#: The rule as the report states it.
VERDICT_RULE = (
    "each claim has a band of values that counts as the blog's statement (e.g. 1.7 to 2.3 for “about 2×”); "
    "reproduced when the whole 95 % CI lies inside the band, not reproduced when it lies entirely outside, "
    "inconclusive when it straddles an edge or a cell has fewer than 2 trials (no CI), and also, whatever the "
    "CI, when a cell the claim rests on was disturbed by outside interference in at least half its trials "
    "(see the flags): a busy machine changes wall times for reasons that are not the GIL."
)

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
INCONCLUSIVE = "inconclusive"
NOT_TESTED = "not tested"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE, NOT_TESTED)

# The blog's wall times in ms for N = 1e9 (single call, pairs of threads).
BLOG_MS = {
    "cython": {
        "gil": 372,
        "nogil": 388,
        "gil+gil": 645,
        "nogil+gil": 358,
        "gil+nogil": 672,
    },
    "numba": {"gil": 251, "gil+gil": 541, "nogil+gil": 279, "gil+nogil": 522},
}


@dataclass(frozen=True)
class Claim:
    """One statement of the blog and the band that would reproduce it."""

    number: int
    statement: str
    measure: str
    band: tuple[float, float]


CLAIMS: dict[int, Claim] = {
    1: Claim(
        1,
        "Releasing the GIL or not makes no difference to one call",
        "nogil ÷ gil single call",
        (0.95, 1.05),
    ),
    2: Claim(
        2,
        "Two GIL-holding threads take about 2× one call",
        "gil+gil ÷ one call",
        (1.7, 2.3),
    ),
    3: Claim(
        3,
        "GIL-releasing thread started first, then a GIL-holding one: about 1× (true parallelism)",
        "nogil+gil ÷ one call",
        (0.85, 1.15),
    ),
    4: Claim(
        4,
        "GIL-holding thread started first: about 2× (start order matters)",
        "gil+nogil ÷ one call",
        (1.7, 2.3),
    ),
    5: Claim(
        5,
        "Numba is about 20% faster than Cython on the same loop",
        "numba ÷ cython single gil call",
        (0.7, 0.9),
    ),
    6: Claim(
        6,
        "Nested `with nogil` crashes the interpreter (Cython); recursive nogil calls are safe (Numba)",
        "outcome of the safety experiment",
        (math.nan, math.nan),
    ),
}

#: Multi-thread claims: claim number -> scenario whose ratio to one call is judged.
SCENARIO_CLAIMS = {2: "gil+gil", 3: "nogil+gil", 4: "gil+nogil"}

#: What the blog says happens in the safety experiment, per backend.
SAFETY_EXPECTED = {"cython": "fatal_error", "numba": "ok"}

#: Claims that rest on the GIL serializing GIL-holding threads: without a GIL they are expected not to hold.
NEEDS_A_GIL = frozenset({2, 4})
#: The reason such a claim gives on a free-threaded interpreter whose GIL stayed off.
GIL_DISABLED = "GIL disabled"

#: The blog's claims are about threads; other executors are not judged against them.
CLAIM_EXECUTOR = "threads"

COLUMNS = [
    "claim",
    "backend",
    "interpreter",
    "gil_enabled",
    "context",
    "statement",
    "measure",
    "n",
    "blog_value",
    "measured",
    "ci_low",
    "ci_high",
    "band_low",
    "band_high",
    "verdict",
    "detail",
]


def verdict(ci_low: float, ci_high: float, band: tuple[float, float]) -> str:
    """Judge a CI against an equivalence band (see the module docstring)."""
    if ci_low is None or ci_high is None or np.isnan(ci_low) or np.isnan(ci_high):
        return INCONCLUSIVE
    if ci_low > ci_high:
        raise ValueError(f"CI low {ci_low} above high {ci_high}")
    low, high = band
    if low <= ci_low and ci_high <= high:
        return REPRODUCED
    if ci_high < low or ci_low > high:
        return NOT_REPRODUCED
    return INCONCLUSIVE


def blog_ratio(backend: str, numerator: str, denominator: str = "gil") -> float:
    """Ratio of two of the blog's printed wall times (NaN if it did not print one)."""
    times = BLOG_MS.get(backend, {})
    if numerator not in times or denominator not in times:
        return float("nan")
    return times[numerator] / times[denominator]


def _row(
    claim: Claim,
    backend: str,
    n: float,
    blog: float,
    measured: float,
    low: float,
    high: float,
    detail: str = "",
    judged: str | None = None,
) -> dict:
    return {
        "claim": claim.number,
        "backend": backend,
        "interpreter": "",
        "gil_enabled": None,
        "context": "",
        "statement": claim.statement,
        "measure": claim.measure,
        "n": n,
        "blog_value": blog,
        "measured": measured,
        "ci_low": low,
        "ci_high": high,
        "band_low": claim.band[0],
        "band_high": claim.band[1],
        "verdict": judged if judged is not None else verdict(low, high, claim.band),
        "detail": detail,
    }


def _walls(timings: pd.DataFrame, backend: str, scenario: str, n: int, column: str = "wall_s") -> np.ndarray:
    sel = (timings["backend"] == backend) & (timings["scenario"] == scenario) & (timings["n"] == n)
    return timings.loc[sel, column].to_numpy(dtype=float)


def _cpu_note(numerator: np.ndarray, denominator: np.ndarray, rng: np.random.Generator) -> str:
    """The same single-call ratio on CPU time, which a busy machine does not inflate."""
    ratio, low, high = stats.bootstrap_ratio_ci(numerator, [denominator], [1.0], seed=rng)
    if np.isnan(ratio):
        return ""
    ci = "" if np.isnan(low) else f" [{low:.2f}–{high:.2f}]"
    return f"on CPU time: {ratio:.2f}{ci}"


def withhold_disturbed(rows: list[dict], disturbed: set[tuple[str, str, int]]) -> list[dict]:
    """Turn a verdict into "inconclusive" when a cell it rests on was disturbed.

    ``disturbed`` holds (backend, scenario, n) cells with outside interference
    in at least half their trials (see rtg.analysis.anomalies.disturbed_cells).
    """
    for row in rows:
        hit = [c for c in row.get("_cells", []) if (c[0], c[1], int(c[2])) in disturbed]
        if hit and row["verdict"] in (REPRODUCED, NOT_REPRODUCED):
            cells = ", ".join(f"{b} {s}" for b, s, _ in hit)
            row["detail"] = (row["detail"] + "; " if row["detail"] else "") + (
                f"would be {row['verdict']}, withheld: outside interference in {cells}"
            )
            row["verdict"] = INCONCLUSIVE
    return rows


def mark_gil(row: dict, trials: pd.DataFrame) -> dict:
    """Fill a row's ``interpreter`` and ``gil_enabled`` from the trials it rests on; explain a missing GIL.

    On a free-threaded interpreter whose GIL stayed off, GIL-holding threads
    run in parallel: claims 2 and 4 are expected not to hold there, and their
    detail says so first (``GIL disabled``), so that nobody reads the
    verdict as noise. The verdict itself stays the band's.
    """
    cells = row.get("_cells") or []
    if cells:
        mask = pd.Series(False, index=trials.index)
        for backend, scenario, n in cells:
            mask |= (trials["backend"] == backend) & (trials["scenario"] == scenario) & (trials["n"] == n)
        mine = trials[mask]
    else:
        mine = trials[trials["backend"] == row["backend"]]
    mine = mine if len(mine) else trials
    if "interpreter" in mine.columns and mine["interpreter"].nunique() == 1:
        row["interpreter"] = mine["interpreter"].iloc[0]
    gil = stats.gil_columns(mine)["gil_enabled"]
    row["gil_enabled"] = gil
    if not gil and row["claim"] in NEEDS_A_GIL and row["verdict"] != NOT_TESTED:
        expected = "expected not to hold: without a GIL, GIL-holding threads run in parallel"
        if row["verdict"] == REPRODUCED:
            expected = "it held although nothing serialized the threads: contention, not a GIL"
        row["detail"] = f"{GIL_DISABLED} ({expected})" + (f"; {row['detail']}" if row["detail"] else "")
    return row


def judge(
    timings: pd.DataFrame,
    safety: pd.DataFrame | None = None,
    seed: int = 0,
    disturbed: set[tuple[str, str, int]] | None = None,
    not_available: Sequence[Mapping[str, str]] = (),
    disturbed_by_node_group: Mapping[str, set[tuple[str, str, int]]] | None = None,
) -> pd.DataFrame:
    """The claims table: one row per claim and backend, judged at each backend's largest n.

    The largest n is closest to the blog's N = 1e9, and there the fixed costs
    of starting threads are smallest relative to the loop. Incorrect trials
    are dropped first; only the blog's backends and the threads executor are
    judged. Extra axes (e.g. ``interpreter``) get their own rows, named in
    ``context``. Claims whose cells were not measured get "not tested".
    ``disturbed_by_node_group``: the disturbed cells of each node group (rtg/analysis/nodes.py), so a
    slow node's interference never withholds another node's verdict.
    """
    valid = stats.valid_trials(timings)
    if "executor" in valid.columns:
        valid = valid[valid["executor"] == CLAIM_EXECUTOR]
    valid = valid[valid["backend"].isin(list(BLOG_MS))]
    # Only what varies in this run splits the claims and names their context ("cpython-3.13.5t, unpinned").
    extra = [c for c in stats.OPTIONAL_KEY_COLUMNS if c in valid.columns and c != "executor"]
    extra = [c for c in extra if valid[c].nunique(dropna=False) > 1]
    rows: list[dict] = []
    if extra and len(valid):
        for key, group in valid.groupby(extra, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            context = axes.label(dict(zip(extra, key, strict=True)), extra)
            mine = dict(zip(extra, key, strict=True))
            local = None
            if disturbed_by_node_group is not None and "node_group" in mine:
                local = disturbed_by_node_group.get(mine["node_group"], set())
            for row in _judge_timings(group, seed):
                row["context"] = context
                row = mark_gil(row, group)
                rows.append(withhold_disturbed([row], local)[0] if local is not None else row)
    else:
        rows.extend(mark_gil(row, valid) for row in _judge_timings(valid, seed))
    if disturbed_by_node_group is None or "node_group" not in extra:
        rows = withhold_disturbed(rows, disturbed or set())
    gaps = {(g["interpreter"], g["backend"]): g["reason"] for g in not_available}
    for row in rows:  # a backend the interpreter cannot run: say why, not "not measured"
        reason = gaps.get((row.get("interpreter"), row["backend"]))
        if reason and row["verdict"] == NOT_TESTED:
            row["detail"] = f"not available on {row['interpreter']}: {reason}"
    rows.extend(judge_safety(safety))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["n"] = table["n"].astype("Int64")
    table["gil_enabled"] = table["gil_enabled"].astype("boolean")
    return table


def _judge_timings(valid: pd.DataFrame, seed: int) -> list[dict]:
    """Claims 1 to 5 on one context's valid trials."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    backends = sorted(BLOG_MS)
    present = set(valid["backend"].unique())
    largest = {b: int(valid.loc[valid["backend"] == b, "n"].max()) if b in present else math.nan for b in backends}

    claim = CLAIMS[1]
    for backend in backends:
        n = largest[backend]
        gil, nogil = (
            _walls(valid, backend, "gil", n),
            _walls(valid, backend, "nogil", n),
        )
        blog = blog_ratio(backend, "nogil")
        if gil.size == 0 or nogil.size == 0:
            rows.append(
                _row(
                    claim,
                    backend,
                    n,
                    blog,
                    *(math.nan,) * 3,
                    "gil or nogil not measured",
                    NOT_TESTED,
                )
            )
            continue
        ratio, low, high = stats.bootstrap_ratio_ci(nogil, [gil], [1.0], seed=rng)
        notes = [
            "" if not np.isnan(blog) else "the blog printed no single nogil time for Numba",
            _cpu_note(_walls(valid, backend, "nogil", n, "cpu_s"), _walls(valid, backend, "gil", n, "cpu_s"), rng),
        ]
        detail = "; ".join(x for x in notes if x)
        rows.append(_row(claim, backend, n, blog, ratio, low, high, detail))
        rows[-1]["_cells"] = [(backend, "gil", n), (backend, "nogil", n)]

    ratios = stats.ratio_table(valid, seed=seed)
    for number, scenario in SCENARIO_CLAIMS.items():
        claim = CLAIMS[number]
        for backend in backends:
            n = largest[backend]
            hit = ratios[(ratios["backend"] == backend) & (ratios["scenario"] == scenario) & (ratios["n"] == n)]
            blog = blog_ratio(backend, scenario)
            if hit.empty:
                rows.append(
                    _row(
                        claim,
                        backend,
                        n,
                        blog,
                        *(math.nan,) * 3,
                        f"{scenario} or its baseline not measured",
                        NOT_TESTED,
                    )
                )
                continue
            r = hit.iloc[0]
            rows.append(
                _row(
                    claim,
                    backend,
                    n,
                    blog,
                    r["ratio"],
                    r["ratio_ci_low"],
                    r["ratio_ci_high"],
                    f"baseline {r['baseline']}",
                )
            )
            base = scenarios.baseline_scenarios(scenario)
            rows[-1]["_cells"] = [(backend, s, n) for s in (scenario, *base)]

    claim = CLAIMS[5]
    common = sorted(
        set(valid.loc[valid["backend"] == "numba", "n"]) & set(valid.loc[valid["backend"] == "cython", "n"])
    )
    blog = BLOG_MS["numba"]["gil"] / BLOG_MS["cython"]["gil"]
    detail = "the blog's text says ~20 %; its printed times give 251 ms vs 372 ms"
    numba_gil = _walls(valid, "numba", "gil", common[-1]) if common else np.array([])
    cython_gil = _walls(valid, "cython", "gil", common[-1]) if common else np.array([])
    if numba_gil.size and cython_gil.size:
        ratio, low, high = stats.bootstrap_ratio_ci(numba_gil, [cython_gil], [1.0], seed=rng)
        cpu = _cpu_note(
            _walls(valid, "numba", "gil", common[-1], "cpu_s"), _walls(valid, "cython", "gil", common[-1], "cpu_s"), rng
        )
        detail = f"{detail}; {cpu}" if cpu else detail
        rows.append(_row(claim, "numba vs cython", common[-1], blog, ratio, low, high, detail))
        rows[-1]["_cells"] = [("numba", "gil", common[-1]), ("cython", "gil", common[-1])]
    else:
        rows.append(
            _row(
                claim,
                "numba vs cython",
                math.nan,
                blog,
                *(math.nan,) * 3,
                "needs single gil calls of both backends at one n",
                NOT_TESTED,
            )
        )
    return rows


def judge_safety(safety: pd.DataFrame | None) -> list[dict]:
    """Claim 6 rows, one per backend and toolchain of the safety experiment.

    Cython is reproduced when the nested release ends in a fatal error (the
    blog's crash) and not reproduced when it runs or is refused at compile
    time; Numba is reproduced when every case runs. Absent file: not tested.
    """
    claim = CLAIMS[6]
    nan = math.nan
    if safety is None or safety.empty:
        return [
            _row(
                claim,
                b,
                nan,
                nan,
                nan,
                nan,
                nan,
                "safety experiment not run",
                NOT_TESTED,
            )
            for b in SAFETY_EXPECTED
        ]
    rows = []
    for backend, expected in SAFETY_EXPECTED.items():
        mine = safety[safety["backend"] == backend]
        if mine.empty:
            rows.append(
                _row(
                    claim,
                    backend,
                    nan,
                    nan,
                    nan,
                    nan,
                    nan,
                    "no case for this backend",
                    NOT_TESTED,
                )
            )
            continue
        for toolchain, cases in mine.groupby("toolchain", sort=True):
            outcomes = [f"{c}: {o}" for c, o in zip(cases["case"], cases["outcome"], strict=True)]
            matches = (cases["outcome"] == expected).to_numpy()
            if matches.all():
                judged = REPRODUCED
            elif not matches.any():
                judged = NOT_REPRODUCED
            else:
                judged = INCONCLUSIVE
            detail = "; ".join(outcomes) + f" (blog: {expected})"
            row = _row(claim, backend, nan, nan, nan, nan, nan, detail, judged)
            row["context"] = str(toolchain)
            rows.append(row)
    return rows


def counts(claims: pd.DataFrame) -> dict[str, int]:
    """How many rows got each verdict (every verdict present, zeros included)."""
    tally = claims["verdict"].value_counts()
    return {v: int(tally.get(v, 0)) for v in VERDICTS}
