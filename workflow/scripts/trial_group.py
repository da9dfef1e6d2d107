"""Record which trials one cluster group job ran, and where (results/groups/<group>.json)."""

import json
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821

from rtg.core.joblog import logged  # noqa: E402
from rtg.core.records import write_atomically  # noqa: E402


def main(sm) -> None:
    with logged(sm.log[0]):
        hosts = sorted({json.loads(Path(p).read_text(encoding="utf-8"))["metadata"]["host"] for p in sm.input.trials})
        record = {
            "group": sm.wildcards.group,
            "trials": list(sm.input.trials),
            "trial_hosts": hosts,
            "host": socket.gethostname(),
            "finished_at": time.time(),
        }
        write_atomically(Path(sm.output.group), record)
        print(json.dumps(record, indent=1))


main(snakemake)  # noqa: F821
