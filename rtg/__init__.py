"""release-the-gil: the tested Python behind the Snakemake workflow."""
