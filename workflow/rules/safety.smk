# Nested-release safety experiment (claim 6 of the report): each case is
# compiled and run in its own subprocess, so a crash is a row, not a failure.


rule safety:
    input:
        sources=sorted(Path("kernels/safety").glob("*.*")),
    output:
        "results/safety.csv",
    log:
        "results/logs/safety.log",
    params:
        backends=[b for b in config["backends"] if b in ("cython", "numba", "ctypes")],
        cflags=config["cython_cflags"],
        cython_versions=config.get("cython_versions", []),
        workdir="results/safety",
        timeout=300,
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/safety.py"
