"""Colorizer: colors anime line art from strokes, tags and a reference illustration."""

__version__ = "0.1.0"
