"""Benchmarks, run from a checkout (this folder is not shipped in the wheel).

``python -m bench.engine`` times the engine (docs/performance.md); ``python -m bench.ui`` measures
the window's event-loop stalls while a model colors. ``bench.stand_in`` saves an untrained model
file, which the benchmarks, the reliability scenarios and the tests use where speed and mechanics
need no trained weights.
"""
