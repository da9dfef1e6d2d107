"""Per-backend scaling of the n grid (config key ``n_scale``).

Pure Python runs the loop at about 60 ns per iteration, 200x the compiled
backends, so the grid that takes 0.3 s per compiled trial would take a minute
per Python trial. ``n_scale: {python: 0.01}`` runs Python at 1/100 of every n.
The scaled n is the n of the trial (in its path and its record), never a
label, so every value is still checked against the reference for the n it
really computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def scaled_n(backend: str, n: int, n_scale: Mapping[str, float] | None = None) -> int:
    """``n`` times the backend's scale (default 1), rounded, never below 1 (n >= 1 stays n >= 1)."""
    scale = float((n_scale or {}).get(backend, 1.0))
    if scale <= 0:
        raise ValueError(f"n_scale for {backend!r} must be > 0, got {scale}")
    return max(min(int(n), 1), round(int(n) * scale))


def backend_n_values(backend: str, n_values: Iterable[int], n_scale: Mapping[str, float] | None = None) -> list[int]:
    """The n grid of one backend: scaled, de-duplicated, in the config's order."""
    out: list[int] = []
    for n in n_values:
        value = scaled_n(backend, n, n_scale)
        if value not in out:
            out.append(value)
    return out
