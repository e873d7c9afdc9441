"""Benchmark scripts; `bench/run.py` runs them all and renders the README's tables."""
