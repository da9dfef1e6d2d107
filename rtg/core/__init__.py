"""Shared primitives every stage uses: errors, scenarios, the reference, records, the axis registry."""
