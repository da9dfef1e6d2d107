from rtg.core.reference import MOD, fib_mod64


def exact_fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def test_reference_matches_exact_big_integer_fibonacci():
    for n in [*range(0, 200), 1000, 4321]:
        assert fib_mod64(n) == exact_fib(n) % MOD, n


def test_reference_known_value_from_the_issue():
    assert fib_mod64(10**9) == 3311503426941990459


def test_first_wraparound_is_at_94():
    assert exact_fib(93) < MOD <= exact_fib(94)
    assert fib_mod64(94) == exact_fib(94) - MOD
