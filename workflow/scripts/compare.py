"""Compare this run with the earlier results folders in compare_with: compare.csv, compare.json, the figure."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

import pandas as pd  # noqa: E402

from rtg.analysis import compare, stats  # noqa: E402
from rtg.core.joblog import logged  # noqa: E402
from rtg.figures import compare as compare_figures  # noqa: E402
from rtg.figures import style  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        timings = pd.read_csv(sm.input.timings)
        now = compare.Run(
            Path("results"),
            stats.attach_runs(stats.valid_trials(timings), pd.read_csv(sm.input.runs)),
            json.loads(Path(sm.input.environment).read_text(encoding="utf-8")),
        )
        # Preflight checked every earlier trial file in this same invocation (rtg/plan/preflight.py).
        earlier = [compare.load(folder, verify=False) for folder in sm.params.folders]
        table = compare.compare(now, earlier, threshold=float(sm.params.threshold))
        table.to_csv(sm.output.table, index=False)
        record = {
            "threshold": float(sm.params.threshold),
            "runs": [
                {
                    "folder": str(run.folder),
                    "differences": compare.differences(now.environment, run.environment),
                }
                for run in earlier
            ],
        }
        for entry in record["runs"]:
            entry["cross_machine"] = compare.cross_machine(entry["differences"])
        Path(sm.output.differences).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        style.save(compare_figures.fig_compare(table, float(sm.params.threshold)), Path(sm.output.figure))
        print(table["verdict"].value_counts().to_string())


main(snakemake)  # noqa: F821
