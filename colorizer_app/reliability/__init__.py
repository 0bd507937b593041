"""The hardening scenarios (issue 9): hostile images, broken models, worker faults, disk faults,
crash recovery, event floods and long use — each a function returning the figures it measured.

``python -m colorizer_app.reliability`` runs them at full size and prints a markdown table;
``tests/robustness`` calls the same functions with smaller parameters, so the suite and the report
measure the same thing. Everything here uses only what ships (no test fixtures, no training code).
"""
