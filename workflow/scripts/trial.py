"""Run one trial (backend x scenario x n x repetition) and write its JSON record."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg.core import axes  # noqa: E402
from rtg.core.joblog import logged  # noqa: E402
from rtg.core.records import config_digest, seal, write_atomically  # noqa: E402
from rtg.core.scenarios import parse  # noqa: E402
from rtg.trial import faults, heartbeat, lean, metadata, remeasure, watchdog  # noqa: E402
from rtg.trial.run import TrialPlan, check, run_trial, run_trial_under  # noqa: E402


def main(sm) -> None:
    lean.block_imports()  # before any backend is imported (see rtg/trial/lean.py)
    with logged(sm.log[0]) as log:
        # The trial's grid point, by its output path (rtg/plan/grid.py): no value is parsed out of the path.
        point = dict(sm.params.point)
        scenario = parse(point["scenario"])
        plan = TrialPlan(
            backend=point["backend"],
            scenario=scenario,
            n=int(point["n"]),
            rep=int(point["rep"]),
            # Every mode axis by its record field, which TrialPlan names alike (rtg/core/axes.py).
            **{axis.field: axis.value(point) for axis in axes.MODE_AXES},
            inner_repetitions=sm.params.inner_repetitions,
            # heartbeat: spare_cpu runs it only where the workers leave a CPU free (rtg/trial/heartbeat.py).
            heartbeat=heartbeat.runs_beside(sm.params.heartbeat, scenario.threads, len(metadata.affinity())),
            # From the config, not params: curing interference changes no trial's identity.
            remeasure=bool(sm.config.get("remeasure", True)),
            quiet_wait_limit_s=float(sm.config.get("quiet_wait_limit_s", 5)),
            isolated=bool(sm.config.get("isolate_trials", True)),
            # From the config too: an earlier trial without the paired runs keeps the two cells' ratio.
            paired_baseline=bool(sm.config.get("paired_baseline", False)),
        )
        python = sm.params.get("python")  # set only on non-default axes (rule trial_variant)
        elsewhere = bool(python) and Path(python).resolve() != Path(sys.executable).resolve()
        key = axes.tail(plan.backend, plan.scenario.name, plan.n, plan.rep).removesuffix(".json")
        if not axes.at_default_mode({**point, axes.EXECUTOR.field: axes.EXECUTOR.default}):
            key = f"{axes.mode_segment(point)}/{key}"
        # Read from the config, not params: changing the limit must not rerun finished trials.
        limit = watchdog.limit_seconds(
            sm.config.get("trial_time_limit_s", "auto"), plan.n, plan.scenario.threads, plan.inner_repetitions
        )
        remeasure_limit = int(sm.config.get("remeasure_limit", 2)) if plan.remeasure else 0
        allowance = watchdog.gate_allowance(plan.remeasure, plan.quiet_wait_limit_s)
        manifest_path = Path(sm.input.manifest)
        build_dir = manifest_path.parent

        def first() -> dict:
            with watchdog.guard(limit, log, f"trial {key}", allowance_s=allowance):
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
                fault = faults.requested(key)
                if fault == "hold":
                    faults.hold(key)
                elif fault:
                    faults.inject(fault, lambda: _gil_kernel(plan.backend, build_dir))
                if elsewhere:
                    return run_trial_under(python, plan, build_dir, manifest_path)
                return run_trial(plan, build_dir, manifest)

        def again() -> dict:
            # A trial that stays disturbed is measured again in a new process (rtg/trial/remeasure.py),
            # each attempt under the same time limit.
            with watchdog.guard(limit, log, f"trial {key} (measured again)", allowance_s=allowance):
                return run_trial_under(python or sys.executable, plan, build_dir, manifest_path)

        result = remeasure.attempts(first, again, remeasure_limit)
        result["metadata"]["config_sha256"] = config_digest(sm.config)
        print(json.dumps(result, indent=1))
        check(result)  # a wrong value fails the job; the full record stays in the log
        write_atomically(Path(sm.output.trial), seal(result))


def _gil_kernel(backend: str, build_dir: Path):
    from kernels import load

    return load(backend).entry_point("gil", build_dir)


main(snakemake)  # noqa: F821
# The record and the log are closed: skip interpreter teardown (0.15-0.3 s after Numba).
lean.exit_now(0)
