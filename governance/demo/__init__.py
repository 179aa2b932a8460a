"""Synthetic retail-bank lake for demos and benchmarks."""
