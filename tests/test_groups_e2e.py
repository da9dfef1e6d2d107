"""trial_group_size on a real cluster executor: k trials per submitted job, run one after another.

The "cluster" is snakemake's cluster-generic executor with a submit command that
starts each job script in the background on this machine: the group jobs, their
nested snakemake and the trials are all real.
"""

import json
import re
import stat
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import snakemake

pytestmark = pytest.mark.slow

SUBMIT = """#!/bin/bash
# Fake cluster: keep a copy of the job script, run it in the background, print a job id.
cp "$1" "{jobs}/"
nohup bash "$1" > "{jobs}/$(basename "$1").out" 2>&1 &
echo $!
"""


def test_grouped_trials_are_one_cluster_job_each_and_run_serially(project, tmp_path):
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    submit = tmp_path / "submit.sh"
    submit.write_text(SUBMIT.format(jobs=jobs))
    submit.chmod(submit.stat().st_mode | stat.S_IEXEC)
    result = snakemake(
        project,
        "--executor",
        "cluster-generic",
        "--cluster-generic-submit-cmd",
        str(submit),
        "--jobs",
        "2",
        "--latency-wait",
        "5",
        "--config",
        "n_values=[2000000]",
        "repetitions=2",
        "backends=[cython]",
        "scenarios=[gil,nogil+gil]",
        "trial_group_size=2",
        "safety_experiment=false",
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]

    # 4 trials in groups of 2: two group records, two trials each, repetition-major.
    records = {p.stem: json.loads(p.read_text()) for p in (project / "results" / "groups").glob("*.json")}
    assert sorted(records) == ["trials0", "trials1"]
    assert [Path(t).name for t in records["trials0"]["trials"]] == ["rep1.json", "rep1.json"]
    assert all(len(r["trials"]) == 2 for r in records.values())

    # One submitted job script per group (plus ungrouped builds etc.), none per grouped trial.
    scripts = [p.name for p in jobs.glob("*.sh")]
    group_scripts = [s for s in scripts if "trial_group" in s]
    assert len(group_scripts) == 2, scripts
    assert not [s for s in scripts if re.match(r"snakejob\.trial\.\d+\.sh$", s)], scripts

    # Inside each group job, a trial starts only after the previous one finished.
    for name in group_scripts:
        events = [
            line.strip()
            for line in (jobs / f"{name}.out").read_text().splitlines()
            if line.strip().startswith(("localrule", "Finished jobid"))
        ]
        running = 0
        for event in events:
            running += 1 if event.startswith("localrule") else -1
            assert running <= 1, events
        assert sum(e.startswith("localrule trial:") for e in events) == 2, events

    timings = pd.read_csv(project / "results" / "timings.csv").sort_values("started_at")
    assert len(timings) == 4 and timings["correct"].all()
    assert (timings["started_at"].iloc[1:].to_numpy() >= timings["ended_at"].iloc[:-1].to_numpy()).all()
