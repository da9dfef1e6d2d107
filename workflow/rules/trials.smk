rule trial:
    # One grid point, in its own process; timing jobs never overlap by default.
    input:
        manifest=rules.build.output.manifest,
    output:
        trial="results/trials/{backend}/{scenario}/n{n}/rep{rep}.json",
    log:
        "results/logs/trials/{backend}/{scenario}/n{n}/rep{rep}.log",
    conda:
        "../../envs/pipeline.yaml"
    threads: trial_threads
    resources:
        timing_slot=timing_slot,
        runtime=trial_runtime,
    params:
        pin_threads=config["pin_threads"],
    script:
        "../scripts/trial.py"
