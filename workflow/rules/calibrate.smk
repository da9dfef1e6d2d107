rule build_calibration:
    # The add-chain clock probe, compiled with fixed flags (not cython_cflags).
    input:
        source="rtg/machine/add_chain.c",
        code="rtg/machine/calibration.py",
    output:
        library="results/build/calibrate/libcalibrate.so",
        manifest="results/build/calibrate/manifest.json",
    log:
        "results/logs/build/calibrate.log",
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/build_calibration.py"


rule calibrate:
    # Effective clock of every CPU, measured once per run while no trial runs.
    input:
        library=rules.build_calibration.output.library,
    output:
        calibration="results/calibration.json",
    log:
        "results/logs/calibrate.log",
    conda:
        "../../envs/pipeline.yaml"
    resources:
        timing_slot=timing_slot,
    script:
        "../scripts/calibrate.py"


rule cycles:
    # Cycles per loop iteration of every single-thread grid point, flagged above 1.10.
    input:
        timings=rules.aggregate.output.timings,
        calibration=rules.calibrate.output.calibration,
    output:
        cycles="results/cycles.csv",
    log:
        "results/logs/cycles.log",
    conda:
        "../../envs/pipeline.yaml"
    params:
        # Only the built-in compiled loops have a hardware limit to be held to (about 1 cycle/iteration).
        native=cycle_analysis.native_backends(KERNEL_FACTS),
    script:
        "../scripts/cycles.py"


rule bandwidth:
    # The machine's copy bandwidth (one and two threads), for kernels that declare
    # BYTES_PER_ITERATION: measured like a trial, while no trial runs.
    input:
        code="rtg/machine/bandwidth.py",
    output:
        bandwidth="results/bandwidth.json",
    log:
        "results/logs/bandwidth.log",
    conda:
        "../../envs/pipeline.yaml"
    # One and two threads, each pinned to its own CPU: the two CPUs of a 2-thread trial.
    threads: 2
    resources:
        timing_slot=timing_slot,
    script:
        "../scripts/bandwidth.py"
