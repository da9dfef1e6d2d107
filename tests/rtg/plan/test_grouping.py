"""Cluster group ids for trials: size limit, every trial covered, repetition-major."""

import pytest

from rtg.plan.grouping import repetition, trial_groups


def grid(backends, scenarios, n_values, repetitions, prefix="results/trials"):
    """Trial paths in the pipeline's order (repetition innermost)."""
    return [
        f"{prefix}/{b}/{s}/n{n}/rep{r}.json"
        for b in backends
        for s in scenarios
        for n in n_values
        for r in range(1, repetitions + 1)
    ]


def test_groups_cover_every_trial_with_at_most_size_each():
    paths = grid(["cython", "numba"], ["gil", "nogil+gil"], [2000000, 10], 3)
    groups = trial_groups(paths, size=5)
    assert set(groups) == set(paths) and len(paths) == 24
    sizes = {}
    for group in groups.values():
        sizes[group] = sizes.get(group, 0) + 1
    assert max(sizes.values()) <= 5
    assert len(sizes) == -(-24 // 5)  # ceil(24 / 5) groups


def test_repetitions_of_one_grid_point_land_in_different_groups():
    scenarios = ["gil", "nogil", "gil+gil", "nogil+gil"]
    groups = trial_groups(grid(["cython"], scenarios, [1000], 4), size=4)
    # 4 grid points per repetition, groups of 4: each group is one full repetition.
    for rep in range(1, 5):
        members = {groups[f"results/trials/cython/{s}/n1000/rep{rep}.json"] for s in scenarios}
        assert members == {f"trials{rep - 1}"}


def test_axis_paths_are_grouped_too():
    paths = grid(["cython"], ["gil"], [10], 2) + grid(["cython"], ["gil"], [10], 2, "results/trials/processes/py-3.12")
    groups = trial_groups(paths, size=2)
    assert (
        groups["results/trials/cython/gil/n10/rep1.json"]
        == groups["results/trials/processes/py-3.12/cython/gil/n10/rep1.json"]
    )


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        trial_groups(["results/trials/cython/gil/n10/rep1.json"], size=1)
    with pytest.raises(ValueError, match="not a trial path"):
        repetition("results/trials/cython/gil/n10/x.json")
