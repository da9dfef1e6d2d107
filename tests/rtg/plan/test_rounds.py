"""Interleaved rounds: repetition r of every cell before any repetition r + 1 (rtg/plan/rounds.py)."""

from rtg.plan import rounds
from rtg.plan.grouping import repetition

GRID = [f"results/trials/{b}/{s}/n{n}/rep{r}.json" for b in ("cython", "numba") for s in ("gil", "nogil+gil")
        for n in (10, 20) for r in (1, 2, 3)]  # fmt: skip


def test_every_round_comes_whole_before_the_next():
    order = rounds.interleaved(GRID, seed=0)
    assert sorted(order) == sorted(GRID)
    reps = [repetition(p) for p in order]
    assert reps == sorted(reps)
    cells = {p.rsplit("/rep", 1)[0] for p in GRID}
    for r in (1, 2, 3):
        assert {p.rsplit("/rep", 1)[0] for p in order if repetition(p) == r} == cells


def test_the_order_is_shuffled_within_rounds_and_reproducible():
    order = rounds.interleaved(GRID, seed=0)
    assert order == rounds.interleaved(list(reversed(GRID)), seed=0)  # not the caller's listing order
    round_one = [p for p in order if repetition(p) == 1]
    assert round_one != sorted(round_one)
    assert rounds.interleaved(GRID, seed=1) != order
    # each round gets its own shuffle
    firsts = [[p.rsplit("/rep", 1)[0] for p in order if repetition(p) == r] for r in (1, 2, 3)]
    assert len({tuple(f) for f in firsts}) > 1


def test_priorities_put_the_order_first_to_last():
    prio = rounds.priorities(GRID, seed=5)
    order = rounds.interleaved(GRID, seed=5)
    assert [prio[p] for p in order] == list(range(len(GRID), 0, -1))
