import re

import pytest

from rtg.core.scenarios import PATTERN, parse


@pytest.mark.parametrize(
    ("name", "threads", "gil_mode", "start_order"),
    [
        ("gil", 1, "gil", "none"),
        ("nogil", 1, "nogil", "none"),
        ("gil+gil", 2, "gil", "none"),
        ("nogil+gil", 2, "mixed", "nogil_first"),
        ("gil+nogil", 2, "mixed", "gil_first"),
        ("nogil+nogil", 2, "nogil", "none"),
        ("gil+nogil+nogil", 3, "mixed", "gil_first"),
    ],
)
def test_derived_columns(name, threads, gil_mode, start_order):
    scenario = parse(name)
    assert scenario.tokens == tuple(name.split("+"))
    assert scenario.columns() == {
        "scenario": name,
        "threads": threads,
        "gil_mode": gil_mode,
        "start_order": start_order,
    }


@pytest.mark.parametrize("bad", ["", "gill", "gil+", "+gil", "gil++nogil", "GIL", "gil nogil", "nogil+foo"])
def test_bad_scenarios_are_refused_with_the_allowed_tokens(bad):
    with pytest.raises(ValueError, match="gil or nogil"):
        parse(bad)
    assert not re.fullmatch(PATTERN, bad)
