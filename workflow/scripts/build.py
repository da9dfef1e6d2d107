"""Build one backend into results/build/<backend>/ and write its manifest."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from kernels import load  # noqa: E402
from rtg.build.interpreters import build_under  # noqa: E402
from rtg.core.joblog import logged  # noqa: E402
from rtg.trial import metadata  # noqa: E402


def main(sm) -> None:
    manifest_path = Path(sm.output.manifest)
    with logged(sm.log[0]):
        backend = sm.wildcards.backend
        python = sm.params.get("python")  # set only for another interpreter (rule build_variant)
        if python and Path(python).resolve() != Path(sys.executable).resolve():
            manifest = build_under(python, backend, manifest_path.parent, list(sm.params.cflags))
        else:
            manifest = load(backend).build(manifest_path.parent, list(sm.params.cflags))
        # The host (and Slurm job) that built it: on a cluster the build runs on a compute
        # node, and trials on other nodes import the result from the shared filesystem.
        manifest["built_on"] = metadata.machine()
        manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(json.dumps(manifest, indent=1, sort_keys=True))


main(snakemake)  # noqa: F821
