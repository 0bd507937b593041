"""Reproduces the five papers' networks and training regimes and trains the shipped weights.

Runs from a checkout (``python -m training`` in the repository root): the wheel ships the app
alone, and the ``[train]`` extra installs only training's dependencies.
"""
