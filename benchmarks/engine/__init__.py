"""The engine benchmark's parts, one measurement per module; `benchmarks.engine_bench` runs
them (see its docstring) and `report` prints their tables."""
