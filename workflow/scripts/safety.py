"""Snakemake script: run the nested-release safety experiment into results/safety.csv."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg.machine import safety


def main(sm) -> None:
    """Prepare extra Cython toolchains, run every case contained, write the rows."""
    root = Path(sm.params.workdir)
    with open(sm.log[0], "w") as log:
        extra = []
        for version in sm.params.cython_versions:
            print(f"preparing Cython {version} in an isolated venv", file=log, flush=True)
            extra.append(safety.venv_with_cython(root / "venvs" / f"cython-{version}", str(version)))
        cases = safety.plan(root / "cases", list(sm.params.backends), list(sm.params.cflags), extra)
        rows = []
        for case in cases:
            row = safety.run_case(case, timeout=float(sm.params.timeout))
            print(
                f"{row['backend']:8} {row['toolchain']:45} {row['case']:22} {row['outcome']} "
                f"{row['signal']} {row['detail']}",
                file=log,
                flush=True,
            )
            rows.append(row)
        safety.write_csv(rows, Path(sm.output[0]))


main(snakemake)  # noqa: F821
