rule aggregate:
    # Gathers every trial into one row each (pandas); the trial JSONs stay the record.
    # Refuses any trial file that fails rtg/collect/integrity.py; allow_partial lists missing cells.
    input:
        trials=aggregated_trials,
        manifests=build_manifests,
    output:
        timings="results/timings.csv",
        threads="results/threads.csv",
        runs="results/runs.csv",
        environment="results/environment.json",
        missing="results/missing.csv",
    log:
        "results/logs/aggregate.log",
    conda:
        "../../envs/pipeline.yaml"
    params:
        config=config,
        grid=TRIAL_POINTS,
        not_available=grid.not_available(config, INTERPRETERS),
        kernels=KERNEL_FACTS,
    script:
        "../scripts/aggregate.py"
