"""Cycles per loop iteration per backend, scenario and n: results/cycles.csv."""

import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg.analysis import cycles  # noqa: E402
from rtg.core.joblog import logged  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        clock_hz = json.loads(Path(sm.input.calibration).read_text(encoding="utf-8"))["clock_hz"]
        timings = pd.read_csv(sm.input.timings, dtype={"result": str})
        table = cycles.flag_slow(timings, clock_hz, native=set(sm.params.native))
        table.to_csv(sm.output.cycles, index=False)
        print(f"clock {clock_hz / 1e9:.3f} GHz")
        print(table.to_string(index=False))
        for line in cycles.describe_flags(table):
            print(f"FLAG: {line}")


main(snakemake)  # noqa: F821
