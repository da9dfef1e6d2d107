"""Run one trial (backend x scenario x n x repetition) and write its JSON record."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg.core import axes  # noqa: E402
from rtg.core.joblog import logged  # noqa: E402
from rtg.core.records import config_digest, seal, write_atomically  # noqa: E402
from rtg.core.scenarios import parse  # noqa: E402
from rtg.trial import faults, lean, watchdog  # noqa: E402
from rtg.trial.run import TrialPlan, check, run_trial, run_trial_under  # noqa: E402


def main(sm) -> None:
    lean.block_imports()  # before any backend is imported (see rtg/trial/lean.py)
    with logged(sm.log[0]) as log:
        # The trial's grid point, by its output path (rtg/plan/grid.py): no value is parsed out of the path.
        point = dict(sm.params.point)
        plan = TrialPlan(
            backend=point["backend"],
            scenario=parse(point["scenario"]),
            n=int(point["n"]),
            rep=int(point["rep"]),
            # Every mode axis by its record field, which TrialPlan names alike (rtg/core/axes.py).
            **{axis.field: axis.value(point) for axis in axes.MODE_AXES},
            inner_repetitions=sm.params.inner_repetitions,
            heartbeat=bool(sm.params.heartbeat),
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
        manifest_path = Path(sm.input.manifest)
        with watchdog.guard(limit, log, f"trial {key}"):
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            fault = faults.requested(key)
            if fault == "hold":
                faults.hold(key)
            elif fault:
                faults.inject(fault, lambda: _gil_kernel(plan.backend, manifest_path.parent))
            if elsewhere:
                result = run_trial_under(python, plan, manifest_path.parent, manifest_path)
            else:
                result = run_trial(plan, manifest_path.parent, manifest)
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
