import pytest

from rtg.plan.grid import backend_n_values, scaled_n


def test_unscaled_backends_keep_n():
    assert scaled_n("cython", 10**8, {"python": 0.01}) == 10**8
    assert scaled_n("numba", 7) == 7


def test_python_is_scaled_and_rounded():
    assert scaled_n("python", 10**8, {"python": 0.01}) == 10**6
    assert scaled_n("python", 150, {"python": 0.01}) == 2


def test_grid_is_deduplicated_in_order():
    grid = backend_n_values("python", [10**8, 10**6, 10**8 + 1, 3], {"python": 0.01})
    assert grid == [10**6, 10**4, 1]
    assert scaled_n("python", 0, {"python": 0.01}) == 0


@pytest.mark.parametrize("bad", [0, -1])
def test_non_positive_scale_is_refused(bad):
    with pytest.raises(ValueError, match="python"):
        scaled_n("python", 10, {"python": bad})
