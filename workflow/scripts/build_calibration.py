"""Compile rtg/machine/add_chain.c (the add chain) and write its manifest."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg.core.joblog import logged  # noqa: E402
from rtg.machine import calibration  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        manifest = calibration.build(Path(sm.output.library), Path(sm.input.source))
        text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
        Path(sm.output.manifest).write_text(text, encoding="utf-8")
        print(text)


main(snakemake)  # noqa: F821
