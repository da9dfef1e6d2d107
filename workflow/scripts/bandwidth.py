"""Measure the machine's copy bandwidth and write results/bandwidth.json."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg.core.joblog import logged  # noqa: E402
from rtg.core.records import write_atomically  # noqa: E402
from rtg.machine import bandwidth  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        result = bandwidth.measure()
        write_atomically(Path(sm.output.bandwidth), result)
        for pattern in bandwidth.PATTERNS:
            rates = {k: round(v["bytes_per_s"] / 1e9, 2) for k, v in result[pattern].items()}
            print(f"{pattern} bandwidth (GB/s): {rates}")


main(snakemake)  # noqa: F821
