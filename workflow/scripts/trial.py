"""Run one trial (backend x scenario x n x repetition) and write its JSON record."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg.joblog import logged  # noqa: E402
from rtg.scenarios import parse  # noqa: E402
from rtg.trial import TrialPlan, check, run_trial, write_atomically  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        manifest_path = Path(sm.input.manifest)
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        plan = TrialPlan(
            backend=sm.wildcards.backend,
            scenario=parse(sm.wildcards.scenario),
            n=int(sm.wildcards.n),
            rep=int(sm.wildcards.rep),
            pin_threads=bool(sm.params.pin_threads),
        )
        result = run_trial(plan, manifest_path.parent, manifest)
        print(json.dumps(result, indent=1))
        check(result)  # a wrong value fails the job; the full record stays in the log
        write_atomically(Path(sm.output.trial), result)


main(snakemake)  # noqa: F821
