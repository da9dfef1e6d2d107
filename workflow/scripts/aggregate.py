"""Gather all trial records into timings.csv, threads.csv and environment.json."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg import aggregate  # noqa: E402
from rtg.joblog import logged  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        trials = aggregate.read_trials(sm.input.trials)
        aggregate.timings_table(trials).to_csv(sm.output.timings, index=False)
        aggregate.threads_table(trials).to_csv(sm.output.threads, index=False)
        manifests = {Path(p).parent.name: json.loads(Path(p).read_text(encoding="utf-8")) for p in sm.input.manifests}
        env = aggregate.environment(trials, manifests, dict(sm.params.config))
        Path(sm.output.environment).write_text(json.dumps(env, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"aggregated {len(trials)} trials")


main(snakemake)  # noqa: F821
