rule build:
    # Compiles or JIT-caches one backend under results/build/; no trial builds anything.
    input:
        kernels=lambda wildcards: kernel_sources(wildcards.backend),
    output:
        manifest="results/build/{backend}/manifest.json",
    log:
        "results/logs/build/{backend}.log",
    priority: BUILD_PRIORITY
    conda:
        "../../envs/pipeline.yaml"
    resources:
        timing_slot=timing_slot,
    params:
        cflags=lambda wildcards: kernels.cflags_for(wildcards.backend, config["cython_cflags"]),
    script:
        "../scripts/build.py"


use rule build as build_variant with:
    # The same build compiled for another interpreter (its headers, its ABI).
    output:
        manifest="results/build/{interp}/{backend}/manifest.json",
    log:
        "results/logs/build/{interp}/{backend}.log",
    params:
        cflags=lambda wildcards: kernels.cflags_for(wildcards.backend, config["cython_cflags"]),
        python=interpreter_executable,
