"""Inference without Qt: model registry, devices, the colorize pipeline, scheduling, flat fill."""
