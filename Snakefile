from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/build.smk"
include: "workflow/rules/trials.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/calibrate.smk"
include: "workflow/rules/groups.smk"
include: "workflow/rules/safety.smk"
include: "workflow/rules/compare.smk"
include: "workflow/rules/report.smk"


# Run on the submitting host under a cluster executor (profiles/slurm, cluster-generic):
# they only read files, and a Slurm job for them costs more than they do.
localrules:
    all,
    aggregate,
    compare,
    cycles,
    report,


# Under a Slurm executor, before any job is submitted: refuse a scenario that needs more
# CPUs than the largest node has (rtg/plan/cluster.py).
onstart:
    refuse_what_the_cluster_cannot_run()


rule all:
    default_target: True
    input:
        rules.aggregate.output,
        rules.cycles.output,
        trial_group_files(),
        ["results/safety.csv"] if config["safety_experiment"] else [],
        rules.report.output.html,
        rules.report.output.summary,
        comparison_files(),
