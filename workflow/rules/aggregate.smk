rule aggregate:
    # Gathers every trial into one row each (pandas); the trial JSONs stay the record.
    input:
        trials=trial_files,
        manifests=build_manifests,
    output:
        timings="results/timings.csv",
        threads="results/threads.csv",
        environment="results/environment.json",
    log:
        "results/logs/aggregate.log",
    conda:
        "../../envs/pipeline.yaml"
    params:
        config=config,
    script:
        "../scripts/aggregate.py"
