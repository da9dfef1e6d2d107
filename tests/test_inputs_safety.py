"""Inputs: no config value can reach a shell, and every rule keeps a log."""

import re

from tests.conftest import ROOT

WORKFLOW_FILES = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]


def test_no_rule_runs_a_shell_command():
    # script: and argument lists only: a config string can never be parsed by a shell
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in WORKFLOW_FILES
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*(shell:|.*\bshell\()", line)
    ]
    assert not offenders, "\n".join(offenders)


def test_every_rule_has_a_log():
    checked = 0
    for path in WORKFLOW_FILES:
        for rule in re.split(r"^(?=rule |checkpoint )", path.read_text(), flags=re.M)[1:]:
            name = rule.split(":", 1)[0]
            if name in ("rule all",):
                continue
            assert "\n    log:" in rule, f"{path.relative_to(ROOT)}: {name} has no log:"
            checked += 1
    assert checked >= 3  # build, trial, aggregate at least
