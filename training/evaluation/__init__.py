"""The scoreboard (docs/architecture.md §4): how well a colorizer follows tags, hints, references
and sliders.

Layers, each importing only those below it (an import-linter contract in pyproject.toml):

- ``report``: aggregation over samples, the table, the montage;
- ``evaluator``: the evaluation requests of a fresh synthetic sample and their scores;
  ``colorizers``: what is scored — oracles, model files (directly or through the engine), a
  training recipe;
- ``batch``: a request as a network's input; ``metrics``: the measures on arrays;
- ``request``: what a colorizer is asked.
"""
