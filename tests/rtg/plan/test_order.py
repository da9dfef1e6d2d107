"""The order of the grid's trials and their cluster groups (rtg/plan/order.py): rounds, priorities, groups."""

import pytest

from rtg.plan import order


def points(backends, scenarios, n_values, repetitions, prefix="results/trials") -> dict[str, dict]:
    """Trial path -> point, in the pipeline's order (repetition innermost)."""
    return {
        f"{prefix}/{b}/{s}/n{n}/rep{r}.json": {"backend": b, "scenario": s, "n": n, "rep": r}
        for b in backends
        for s in scenarios
        for n in n_values
        for r in range(1, repetitions + 1)
    }


GRID = points(("cython", "numba"), ("gil", "nogil+gil"), (10, 20), 3)


def cell(path: str) -> str:
    return path.rsplit("/rep", 1)[0]


def test_every_round_comes_whole_before_the_next():
    ordered = order.interleaved(GRID, seed=0)
    assert sorted(ordered) == sorted(GRID)
    reps = [GRID[p]["rep"] for p in ordered]
    assert reps == sorted(reps)
    cells = {cell(p) for p in GRID}
    for r in (1, 2, 3):
        assert {cell(p) for p in ordered if GRID[p]["rep"] == r} == cells


def test_the_order_is_shuffled_within_rounds_and_reproducible():
    ordered = order.interleaved(GRID, seed=0)
    assert ordered == order.interleaved(dict(reversed(GRID.items())), seed=0)  # not the caller's listing order
    round_one = [p for p in ordered if GRID[p]["rep"] == 1]
    assert round_one != sorted(round_one)
    assert order.interleaved(GRID, seed=1) != ordered
    # each round gets its own shuffle
    firsts = [[cell(p) for p in ordered if GRID[p]["rep"] == r] for r in (1, 2, 3)]
    assert len({tuple(f) for f in firsts}) > 1


def test_priorities_put_the_order_first_to_last():
    prio = order.priorities(GRID, seed=5)
    ordered = order.interleaved(GRID, seed=5)
    assert [prio[p] for p in ordered] == list(range(len(GRID), 0, -1))


def test_groups_cover_every_trial_with_at_most_size_each():
    grid = points(["cython", "numba"], ["gil", "nogil+gil"], [2000000, 10], 3)
    groups = order.trial_groups(list(grid), grid, size=5)
    assert set(groups) == set(grid) and len(grid) == 24
    sizes = {}
    for group in groups.values():
        sizes[group] = sizes.get(group, 0) + 1
    assert max(sizes.values()) <= 5
    assert len(sizes) == -(-24 // 5)  # ceil(24 / 5) groups


def test_repetitions_of_one_grid_point_land_in_different_groups():
    scenarios = ["gil", "nogil", "gil+gil", "nogil+gil"]
    grid = points(["cython"], scenarios, [1000], 4)
    groups = order.trial_groups(list(grid), grid, size=4)
    # 4 grid points per repetition, groups of 4: each group is one full repetition.
    for rep in range(1, 5):
        members = {groups[f"results/trials/cython/{s}/n1000/rep{rep}.json"] for s in scenarios}
        assert members == {f"trials{rep - 1}"}


def test_axis_paths_are_grouped_too():
    grid = {
        **points(["cython"], ["gil"], [10], 2),
        **points(["cython"], ["gil"], [10], 2, "results/trials/processes/py-3.12"),
    }
    groups = order.trial_groups(list(grid), grid, size=2)
    assert (
        groups["results/trials/cython/gil/n10/rep1.json"]
        == groups["results/trials/processes/py-3.12/cython/gil/n10/rep1.json"]
    )


def test_a_group_needs_two_trials():
    with pytest.raises(ValueError, match="at least 2"):
        order.trial_groups(list(GRID), GRID, size=1)
