"""Reproduces the five papers' networks and training regimes and trains the shipped weights."""
