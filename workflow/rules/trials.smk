rule trial:
    # One grid point, in its own process; timing jobs never overlap by default.
    input:
        manifest=rules.build.output.manifest,
    output:
        trial="results/trials/{backend}/{scenario}/n{n}/rep{rep}.json",
    log:
        "results/logs/trials/{backend}/{scenario}/n{n}/rep{rep}.log",
    priority: trial_priority
    group:
        trial_group if TRIAL_GROUPS else None
    conda:
        "../../envs/pipeline.yaml"
    threads: trial_threads
    resources:
        timing_slot=timing_slot,
        runtime=trial_runtime,
    params:
        point=trial_point,
        inner_repetitions=config["inner_repetitions"],
        heartbeat=config["heartbeat"],
    script:
        "../scripts/trial.py"


use rule trial as trial_variant with:
    # The same trial off the blog's point of an axis, or on another interpreter (paths: rtg/core/axes.py).
    input:
        manifest=variant_manifest,
    output:
        trial="results/trials/{mode}/{interp}/{backend}/{scenario}/n{n}/rep{rep}.json",
    log:
        "results/logs/trials/{mode}/{interp}/{backend}/{scenario}/n{n}/rep{rep}.log",
    params:
        point=trial_point,
        inner_repetitions=config["inner_repetitions"],
        heartbeat=config["heartbeat"],
        python=interpreter_executable,
