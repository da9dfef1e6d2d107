rule trial_group:
    # Cluster only (trial_group_size > 1): depends on every trial of one group id, which
    # makes them one connected group, so Snakemake submits them as a single job.
    input:
        trials=group_trial_files,
    output:
        group="results/groups/{group}.json",
    log:
        "results/logs/groups/{group}.log",
    group:
        "{group}"
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/trial_group.py"
