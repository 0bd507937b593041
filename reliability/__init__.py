"""The hardening scenarios (issue 9): hostile images, broken models, worker faults, disk faults,
crash recovery, event floods and long use — each a function returning the figures it measured.

``python -m reliability`` (from the repository root) runs them at full size and prints a markdown
table; ``tests/robustness`` calls the same functions with smaller parameters, so the suite and the
report measure the same thing. The scenarios drive the shipped ``colorizer_app`` with
``bench.stand_in``'s untrained model (no test fixtures, no training code); this folder is for a
checkout and is not shipped in the wheel.
"""
