"""Child side of ``interpreters.build_under``: build one backend under this interpreter.

Usage: python rtg/build_worker.py BACKEND BUILD_DIR CFLAGS_JSON; prints the
manifest as one JSON line. A script path (not ``-m``) so the target
interpreter needs no PYTHONPATH.
"""

import json
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import kernels

    backend, build_dir, cflags = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
    manifest = kernels.load(backend).build(build_dir, cflags)
    print(json.dumps(manifest))
