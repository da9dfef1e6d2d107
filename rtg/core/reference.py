"""Independent reference for F(n) mod 2**64, by fast doubling.

Every trial checks its value against this. It shares no code or algorithm
with the kernels (O(log n) doubling instead of the O(n) loop), so a kernel
bug cannot also hide in the reference.
"""

from __future__ import annotations

MOD = 1 << 64


def fib_mod64(n: int) -> int:
    """F(n) mod 2**64 with F(0) = 0, F(1) = 1."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    a, b = 0, 1  # F(k), F(k+1) for k = 0
    for bit in bin(n)[2:]:
        # (F(2k), F(2k+1)) from (F(k), F(k+1))
        c = (a * ((2 * b - a) % MOD)) % MOD
        d = (a * a + b * b) % MOD
        a, b = (d, (c + d) % MOD) if bit == "1" else (c, d)
    return a
