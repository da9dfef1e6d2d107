# Nested-release safety experiment (claim 6 of the report): each case is
# compiled and run in its own subprocess, so a crash is a row, not a failure.


rule safety:
    input:
        sources=sorted(Path("kernels/safety").glob("*.*")),
    output:
        "results/safety.csv",
    log:
        "results/logs/safety.log",
    conda:
        "../../envs/pipeline.yaml"
    resources:
        # Compiling and JIT-ing here would disturb a concurrent timing job: take a slot too.
        timing_slot=timing_slot,
    params:
        backends=[b for b in config["backends"] if b in ("cython", "numba", "ctypes")],
        cflags=config["cython_cflags"],
        cython_versions=config.get("cython_versions", []),
        workdir=lambda wildcards, output: str(Path(output[0]).with_suffix("")),
        timeout=300,
    script:
        "../scripts/safety.py"
