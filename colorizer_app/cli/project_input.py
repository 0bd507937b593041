"""A Colorizer project (``.ora``) as the input of ``colorize`` and ``batch``.

A project is colored as the app saved it: its drawing, strokes, fills, tags and reference. What
the command line gives combines with that, the same way for every option:

- ``--tags`` add to the saved tags; a tag in both takes the command line's value;
- ``--hints`` strokes and fills are drawn after the saved ones (a hint image, under them all);
- ``--reference`` replaces the saved reference, ``--palette`` the saved palette,
  ``--reference-strength`` the saved strength (the parts unticked in the app stay unticked).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from colorizer_app.cli.colorize_options import ColorizeOptions
from colorizer_app.document.state import DocumentState
from colorizer_app.imaging.hints import Hints

PROJECT_INPUT_HELP = (
    "a project saved by the app (.ora) is colored as saved: --tags add to its tags (the "
    "command line's value wins), --hints are drawn after its strokes and fills, --reference "
    "and --reference-strength replace its own"
)


def load_drawing(path: str | Path, options: ColorizeOptions) -> tuple[np.ndarray, ColorizeOptions]:
    """The drawing at ``path`` and the options to color it with: a line-art image keeps
    ``options``; a project brings its saved hints, tags and reference, combined with them."""
    from colorizer_app.document.project import is_project_file, open_project
    from colorizer_app.imaging.loader import load_image

    if not is_project_file(path):
        return load_image(path).pixels, options
    state = open_project(path)  # a bad or damaged project: one ColorizerError naming it
    return state.drawing, with_saved_document(options, state)


def with_saved_document(options: ColorizeOptions, state: DocumentState) -> ColorizeOptions:
    """``options`` over what the project saved (see the module's docstring)."""
    return replace(
        options,
        tags={**state.tag_values, **options.tags},
        hints=Hints(
            state.hints.strokes + options.hints.strokes,
            state.hints.fills + options.hints.fills,
            state.hints.parts + options.hints.parts,
        ),
        reference=options.reference if options.reference is not None else state.reference,
        palette=options.palette if options.palette is not None else state.palette,
        reference_strength=(
            options.reference_strength
            if options.reference_strength is not None
            else state.reference_strength
        ),
        reference_ignored=state.reference_ignored | options.reference_ignored,
    )
