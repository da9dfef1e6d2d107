"""Fixtures for the rtg tests."""

from __future__ import annotations

import pytest

from tests.rtg.synthetic import simulate


@pytest.fixture
def synthetic():
    """A small modelled run: 2 backends x 6 scenarios x 2 n x 5 repetitions."""
    return simulate()
