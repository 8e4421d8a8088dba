"""Benchmarks of Writer's engine: `python -m benchmarks.engine_bench` (see its --help).

Timings are printed, never asserted: tests only prove that the measuring code runs.
"""
