"""Run one trial inside another interpreter (the interpreter axis).

Usage: python rtg/trial/trial_worker.py PLAN_JSON BUILD_DIR MANIFEST_JSON_PATH.
Prints the trial record as one JSON line. The whole trial, threads or
process orchestration included, runs in the target interpreter, so its
metadata (version, GIL build and state) describe that interpreter. A script
path, not ``-m``: the target needs no PYTHONPATH.
"""

import json
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from rtg.core.scenarios import parse
    from rtg.trial.run import TrialPlan, run_trial

    spec = json.loads(sys.argv[1])
    plan = TrialPlan(
        backend=spec["backend"],
        scenario=parse(spec["scenario"]),
        n=int(spec["n"]),
        rep=int(spec["rep"]),
        pin_threads=bool(spec["pin_threads"]),
        executor=spec["executor"],
        inner_repetitions=spec.get("inner_repetitions", "auto"),
        calls_per_thread=int(spec.get("calls_per_thread", 1)),
        switch_interval_ms=float(spec.get("switch_interval_ms", 5.0)),
        heartbeat=bool(spec.get("heartbeat", False)),
        remeasure=bool(spec.get("remeasure", True)),
        quiet_wait_limit_s=float(spec.get("quiet_wait_limit_s", 5.0)),
        isolated=bool(spec.get("isolated", True)),
        paired_baseline=bool(spec.get("paired_baseline", False)),
    )
    manifest = json.loads(Path(sys.argv[3]).read_text(encoding="utf-8"))
    print(json.dumps(run_trial(plan, Path(sys.argv[2]), manifest)))
