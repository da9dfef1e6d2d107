report: "../report/workflow.rst"


rule report:
    # Statistics, the blog's claims re-judged, figures and the self-contained HTML.
    # results/safety.csv (claim 6) is an input only when safety_experiment is true.
    input:
        timings=rules.aggregate.output.timings,
        threads=rules.aggregate.output.threads,
        runs=rules.aggregate.output.runs,
        environment=rules.aggregate.output.environment,
        missing=rules.aggregate.output.missing,
        cycles=rules.cycles.output.cycles,
        safety=["results/safety.csv"] if config.get("safety_experiment", False) else [],
        comparison=comparison_files,
        bandwidth=bandwidth_files,
    output:
        summary=report("results/summary.csv", caption="../report/summary.rst", category="Tables"),
        claims=report("results/claims.csv", caption="../report/claims.rst", category="Tables"),
        # Which calls release the GIL and how each scales with threads: always written, a header when empty.
        gil_release=report(
            "results/gil_release.csv", caption="../report/gil_release.rst", category="Tables"
        ),
        scaling_table=report(
            "results/scaling.csv", caption="../report/scaling_table.rst", category="Tables"
        ),
        markdown="results/report.md",
        html="results/report.html",
        wall=report("results/figures/wall.png", caption="../report/wall.rst", category="Figures"),
        timeline=report(
            "results/figures/timeline.png",
            caption="../report/timeline.rst",
            category="Figures",
        ),
        ratio_heatmap=report(
            "results/figures/ratio_heatmap.png",
            caption="../report/ratio_heatmap.rst",
            category="Figures",
        ),
        scaling=report(
            "results/figures/scaling.png", caption="../report/scaling.rst", category="Figures"
        ),
        distribution=report(
            "results/figures/distribution.png",
            caption="../report/distribution.rst",
            category="Figures",
        ),
        cpu_vs_wall=report(
            "results/figures/cpu_vs_wall.png",
            caption="../report/cpu_vs_wall.rst",
            category="Figures",
        ),
        race=report("results/figures/race.png", caption="../report/race.rst", category="Figures"),
        drift=report("results/figures/drift.png", caption="../report/drift.rst", category="Figures"),
        calls=report("results/figures/calls.png", caption="../report/calls.rst", category="Figures"),
        thread_scaling=report(
            "results/figures/thread_scaling.png",
            caption="../report/thread_scaling.rst",
            category="Figures",
        ),
    log:
        "results/logs/report.log",
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../scripts/report.py"
