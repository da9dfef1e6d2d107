"""Measure the effective clock of every CPU and write results/calibration.json."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg.core.joblog import logged  # noqa: E402
from rtg.core.records import write_atomically  # noqa: E402
from rtg.machine import calibration  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        result = calibration.measure(Path(sm.input.library))
        write_atomically(Path(sm.output.calibration), result)
        per_cpu = {cpu: round(entry["clock_hz"] / 1e9, 3) for cpu, entry in result["per_cpu"].items()}
        print(f"clock {result['clock_ghz']} GHz; per CPU (GHz): {per_cpu}")


main(snakemake)  # noqa: F821
