rule compare:
    # This run against each earlier results folder in compare_with (only read, never written).
    input:
        timings=rules.aggregate.output.timings,
        runs=rules.aggregate.output.runs,
        environment=rules.aggregate.output.environment,
        earlier=earlier_run_files,
    output:
        table=report("results/compare.csv", caption="../report/compare.rst", category="Tables"),
        differences="results/compare.json",
        figure=report(
            "results/figures/compare.png",
            caption="../report/compare_figure.rst",
            category="Figures",
        ),
    log:
        "results/logs/compare.log",
    conda:
        "../../envs/pipeline.yaml"
    params:
        folders=config["compare_with"],
        threshold=config["compare_threshold"],
    script:
        "../scripts/compare.py"
