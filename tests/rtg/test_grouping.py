"""Cluster group ids for trials: size limit, every trial covered, repetition-major."""

import pytest

from rtg.grouping import trial_groups


def test_groups_cover_every_trial_with_at_most_size_each():
    groups = trial_groups(["cython", "numba"], ["gil", "nogil+gil"], [2000000, 10], repetitions=3, size=5)
    assert len(groups) == 2 * 2 * 2 * 3
    sizes = {}
    for group in groups.values():
        sizes[group] = sizes.get(group, 0) + 1
    assert max(sizes.values()) <= 5
    assert len(sizes) == -(-24 // 5)  # ceil(24 / 5) groups
    assert ("numba", "nogil+gil", "2000000", "3") in groups  # wildcard strings


def test_repetitions_of_one_grid_point_land_in_different_groups():
    groups = trial_groups(["cython"], ["gil", "nogil", "gil+gil", "nogil+gil"], [1000], repetitions=4, size=4)
    # 4 grid points per repetition, groups of 4: each group is one full repetition.
    for rep in "1234":
        assert {groups[("cython", s, "1000", rep)] for s in ["gil", "nogil", "gil+gil", "nogil+gil"]} == {
            f"trials{int(rep) - 1}"
        }
    assert len({groups[("cython", "gil", "1000", rep)] for rep in "1234"}) == 4


def test_size_below_two_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        trial_groups(["cython"], ["gil"], [10], 1, size=1)
