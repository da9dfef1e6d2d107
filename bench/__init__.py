"""Benchmarks of the pipeline itself (run as scripts, not tests)."""
