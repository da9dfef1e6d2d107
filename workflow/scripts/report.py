"""Write the statistical report: summary, claims, figures, Markdown and HTML."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg import report  # noqa: E402
from rtg.core.joblog import logged  # noqa: E402
from rtg.figures import every  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        safety = sm.input.safety[0] if sm.input.safety else None
        report.write(
            timings_csv=Path(sm.input.timings),
            threads_csv=Path(sm.input.threads),
            environment_json=Path(sm.input.environment),
            out={
                name: Path(sm.output[name])
                for name in ("summary", "claims", "gil_release", "scaling_table", "markdown", "html")
            },
            figure_paths={name: Path(sm.output[name]) for name in every.FIGURES},
            safety_csv=Path(safety) if safety else None,
            missing_csv=Path(sm.input.missing),
            cycles_csv=Path(sm.input.cycles),
            runs_csv=Path(sm.input.runs),
            comparison=[Path(p) for p in sm.input.comparison],
            bandwidth=[Path(p) for p in sm.input.bandwidth],
        )
        print(f"report written to {sm.output.html}")


main(snakemake)  # noqa: F821
