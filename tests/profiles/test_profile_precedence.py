"""How the cluster profiles combine with profiles/default, checked on real Snakemake.

Snakemake loads profiles/default (the workflow profile) also when the user adds
``--profile profiles/slurm``, and the workflow profile wins for every top-level
key both set. So the cluster profiles never set a key profiles/default sets
(``resources``); they lift the one-trial-at-a-time cap with ``set-resources``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, snakemake

# Real snakemake dry runs with each profile: end to end, so not in the quick loop.
pytestmark = pytest.mark.slow

CLUSTER_PROFILES = ["slurm", "cluster-generic"]


def profile(name: str) -> dict:
    return yaml.safe_load((ROOT / "profiles" / name / "config.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", CLUSTER_PROFILES)
def test_cluster_profiles_set_no_key_the_default_profile_would_override(name):
    default, cluster = profile("default"), profile(name)
    for key in set(default) & set(cluster):
        assert default[key] == cluster[key], f"profiles/default overrides {key!r} of profiles/{name}"


def timing_rules() -> set[str]:
    """Rules that take a timing_slot, read from the workflow (variants inherit it)."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "workflow" / "rules").glob("*.smk")]
    rules = set()
    for block in (b for text in texts for b in re.split(r"\n(?=\S)", text)):
        named = re.match(r"rule (\w+):", block)
        if named and "timing_slot=" in block:
            rules.add(named.group(1))
    text = "\n".join(texts)
    for base, variant in re.findall(r"use rule (\w+) as (\w+)", text):
        if base in rules:
            rules.add(variant)
    return rules


def test_the_workflow_has_the_timing_rules_this_file_expects():
    assert {"trial", "build", "trial_variant", "build_variant"} <= timing_rules()


@pytest.mark.parametrize("name", CLUSTER_PROFILES)
def test_cluster_profiles_let_slurm_keep_trials_apart(name):
    cluster = profile(name)
    assert "resources" not in cluster  # would be overridden by profiles/default anyway
    for rule in timing_rules():
        assert cluster["set-resources"][rule]["timing_slot"] == 0, rule
    for rule in ("trial", "build"):
        assert cluster["set-resources"][rule]["mem_mb"] > 0
    assert cluster["set-resources"]["build"]["runtime"] > 0
    trial = cluster["set-resources"]["trial"]
    assert "cpus_per_task" not in trial  # it follows `threads`
    assert "runtime" not in trial  # the rule derives it from the in-trial time limit


@pytest.mark.parametrize("name", CLUSTER_PROFILES)
def test_the_project_dry_runs_with_each_cluster_profile(name):
    result = snakemake(ROOT, "--dry-run", "--profile", f"profiles/{name}", "--config", "n_values=[2000000]")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "trial" in result.stdout


TOY = """
rule all:
    input:
        "out.json",


rule job:
    output:
        "out.json",
    resources:
        timing_slot=1,
    run:
        import json

        with open(output[0], "w") as handle:
            json.dump(dict(resources.items()), handle)
"""


def test_workflow_profile_wins_per_key_and_set_resources_still_comes_through(tmp_path: Path):
    # The fact the design rests on, on real Snakemake (a toy workflow, local executor).
    (tmp_path / "Snakefile").write_text(TOY)
    (tmp_path / "profiles" / "default").mkdir(parents=True)
    (tmp_path / "profiles" / "default" / "config.yaml").write_text(
        "resources:\n  timing_slot: 1\ndefault-resources:\n  mem_mb: 111\n"
    )
    (tmp_path / "profiles" / "user").mkdir()
    (tmp_path / "profiles" / "user" / "config.yaml").write_text(
        "cores: 1\nresources:\n  timing_slot: 9\ndefault-resources:\n  mem_mb: 222\n  disk_mb: 333\n"
        "set-resources:\n  job:\n    timing_slot: 0\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", "profiles/user"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    resources = json.loads((tmp_path / "out.json").read_text())
    assert resources["mem_mb"] == 111  # default-resources: profiles/default won ...
    assert resources["disk_mb"] != 333  # ... for the whole key, not merged
    assert resources["timing_slot"] == 0  # set-resources only in --profile: it applies
