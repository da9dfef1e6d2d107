"""Gather all trial records into timings.csv, threads.csv, environment.json and missing.csv."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

import pandas as pd  # noqa: E402

from rtg.collect import aggregate, integrity  # noqa: E402
from rtg.core.joblog import logged  # noqa: E402
from rtg.core.records import manifest_digest  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        # Keyed by backend, or "<interpreter>/<backend>" for a build for another interpreter.
        manifests = integrity.manifests_under("results/build", sm.input.manifests)
        digests = {key: manifest_digest(manifest) for key, manifest in manifests.items()}
        trials = integrity.read_checked(sm.input.trials, digests)
        missing = integrity.missing_cells(sm.params.grid, sm.input.trials)
        if missing and not sm.params.config.get("allow_partial"):
            raise integrity.IntegrityError(f"{len(missing)} trial(s) missing and allow_partial is false")
        if not trials:
            raise integrity.IntegrityError("no finished trial to aggregate: run the grid first")
        aggregate.timings_table(trials).to_csv(sm.output.timings, index=False)
        aggregate.threads_table(trials).to_csv(sm.output.threads, index=False)
        aggregate.runs_table(trials).to_csv(sm.output.runs, index=False)
        pd.DataFrame(missing, columns=integrity.MISSING_COLUMNS).to_csv(sm.output.missing, index=False)
        env = aggregate.environment(trials, manifests, dict(sm.params.config))
        env["missing_trials"] = len(missing)
        # Backends an interpreter cannot run (no wheel for its ABI): left out of the grid, not failed.
        env["not_available"] = list(sm.params.not_available)
        # Each backend: built-in or the user's file, how its values were checked, its memory traffic.
        env["kernels"] = dict(sm.params.kernels)
        env["config_sha256"] = trials[0]["metadata"]["config_sha256"]
        Path(sm.output.environment).write_text(json.dumps(env, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"aggregated {len(trials)} trials; {len(missing)} grid cell(s) missing (listed in {sm.output.missing})")


main(snakemake)  # noqa: F821
