import re

import pytest

from rtg.core.scenarios import PATTERN, baseline_scenarios, identical, parse, sweep


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


@pytest.mark.parametrize("bad", ["", "gil+", "+gil", "gil++nogil", "GIL", "gil nogil", "1gil", "call+Call"])
def test_bad_scenarios_are_refused_with_the_allowed_tokens(bad):
    with pytest.raises(ValueError, match="gil or nogil"):
        parse(bad)
    assert not re.fullmatch(PATTERN, bad)


def test_a_token_is_any_mode_a_kernel_offers_and_a_sweep_is_identical_threads():
    single = parse("call+call")
    assert (single.threads, single.gil_mode, single.start_order) == (2, "call", "none")
    assert parse("read+write").start_order == "read_first"
    assert sweep(["call"], [4, 1, 2, 2]) == ["call", "call+call", "call+call+call+call"]
    assert sweep(["gil", "nogil"], [1, 2]) == ["gil", "gil+gil", "nogil", "nogil+nogil"]
    assert baseline_scenarios("call+call+call") == {"call": 1.0}
    with pytest.raises(ValueError, match="at least one thread"):
        identical("call", 0)
