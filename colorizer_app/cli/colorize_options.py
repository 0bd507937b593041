"""The options ``colorize`` and ``batch`` share, parsed once into an engine and a request recipe.

Both commands take the same tags, hints, reference, model, device, size and region-consistency
options; only where the results go differs. Everything the user typed is checked here before any
drawing is touched, so a misspelled tag fails at once with its close matches (exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from colorizer_app.engine.request import (
    MODEL,
    REFERENCE_STRENGTH,
    REGION_CONSISTENCY,
    TAG_VALUE,
    WORKING_SIZE,
    ColorizeRequest,
    ColorizeResult,
)
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.hints import Hints
from colorizer_app.imaging.palette import Palette

if TYPE_CHECKING:
    from colorizer_app.engine.pipeline import Engine

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")  # as engine.devices, without importing torch
HINT_IMAGE_SUFFIXES = (".png", ".webp", ".tif", ".tiff")


def add_colorize_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tags",
        nargs="+",
        default=[],
        metavar="TAG[=VALUE]",
        help=f"color tags, e.g. blue_hair red_eyes=1.5 (value {TAG_VALUE.low:g}.."
        f"{TAG_VALUE.high:g}, default {TAG_VALUE.default:g}: {TAG_VALUE.description})",
    )
    parser.add_argument(
        "--hints",
        metavar="HINTS.json|HINTS.png",
        help="color strokes and fills (JSON, line-art pixel coordinates) or an "
        "RGBA image of the drawing's size, transparent where there is no hint",
    )
    parser.add_argument("--reference", metavar="REF", help="a colored illustration to follow")
    parser.add_argument(
        "--reference-strength",
        type=float,
        metavar="S",
        help=f"{REFERENCE_STRENGTH.description} ({REFERENCE_STRENGTH.low:g} to "
        f"{REFERENCE_STRENGTH.high:g}, default {REFERENCE_STRENGTH.default:g}, or a project's "
        "own)",
    )
    parser.add_argument(
        "--palette",
        metavar="P.json",
        help="a character palette (each part's color, saved with colorize --save-palette or "
        "the app's Palettes panel): every drawing gets the same hair, eyes, skin and clothes; "
        "strokes and tags of a part win over it",
    )
    parser.add_argument(
        "--model",
        default=MODEL.default,
        help=f"{MODEL.description}; `colorizer-cli models` lists the installed ones",
    )
    parser.add_argument(
        "--device",
        default="auto",
        choices=DEVICE_CHOICES,
        help="where the model runs (auto: CUDA, then MPS, then CPU)",
    )
    parser.add_argument(
        "--size",
        type=int,
        default=WORKING_SIZE.default,
        metavar="N",
        help=f"{WORKING_SIZE.description}; {WORKING_SIZE.low:g} to {WORKING_SIZE.high:g}",
    )
    parser.add_argument(
        "--region-consistency",
        action=argparse.BooleanOptionalAction,
        default=REGION_CONSISTENCY.default,
        help=f"{REGION_CONSISTENCY.description} "
        f"(default: {'on' if REGION_CONSISTENCY.default else 'off'}, as in the app)",
    )
    parser.add_argument(
        "--extract-lines",
        action="store_true",
        help="a drawing that looks like a finished color picture is colored from the lines "
        "extracted from it (XDoG) instead of as it is; line art is left as it is",
    )
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="CPU threads for the model (default: all cores but one)",
    )


@dataclass(frozen=True)
class ColorizeOptions:
    """What the shared options ask for, read and checked."""

    tags: Mapping[str, float]
    hints: Hints
    hint_image: np.ndarray | None
    reference: np.ndarray | None
    model: str
    size: int | None
    region_consistency: bool
    extract_lines: bool = False
    palette: Palette | None = None
    reference_strength: float | None = None  # None: a project's own, else the default
    reference_ignored: frozenset[str] = frozenset()  # a project's unticked reference parts

    def request(self, drawing: np.ndarray) -> ColorizeRequest:
        if self.extract_lines:
            from colorizer_app.imaging.finished_picture import extract_lines, looks_finished

            if looks_finished(drawing):
                drawing = extract_lines(drawing)
        return ColorizeRequest(
            drawing=drawing,
            hints=self.hints,
            tags=dict(self.tags),
            reference=self.reference,
            model=self.model,
            size=self.size,
            region_consistency=self.region_consistency,
            hint_image=self.hint_image,
            palette=self.palette,
            reference_strength=(
                REFERENCE_STRENGTH.default
                if self.reference_strength is None
                else self.reference_strength
            ),
            reference_ignored=self.reference_ignored,
        )


def read_options(args: argparse.Namespace) -> ColorizeOptions:
    from colorizer_app.imaging.loader import load_image, load_reference

    hints, hint_image = Hints(), None
    if args.hints:
        path = Path(args.hints)
        if path.suffix.lower() in HINT_IMAGE_SUFFIXES:
            hint_image = load_image(path).pixels
        else:
            hints = Hints.load(path)
    reference = load_reference(args.reference).pixels if args.reference else None
    if args.size is not None and args.size < WORKING_SIZE.low:
        raise ColorizerError(
            f"--size {args.size}: the working size must be at least {WORKING_SIZE.low:g} pixels"
        )
    if args.reference_strength is not None and not REFERENCE_STRENGTH.admits(
        args.reference_strength
    ):
        raise ColorizerError(
            f"--reference-strength {args.reference_strength:g}: must be between "
            f"{REFERENCE_STRENGTH.low:g} and {REFERENCE_STRENGTH.high:g}"
        )
    if args.threads is not None and args.threads < 1:
        raise ColorizerError(f"--threads {args.threads}: need at least one thread")
    return ColorizeOptions(
        tags=parse_tags(args.tags),
        hints=hints,
        hint_image=hint_image,
        reference=reference,
        model=args.model,
        size=args.size,
        region_consistency=args.region_consistency,
        extract_lines=args.extract_lines,
        palette=Palette.load(args.palette) if args.palette else None,
        reference_strength=args.reference_strength,
    )


def parse_tags(items: list[str]) -> dict[str, float]:
    """``["blue_hair", "red_eyes=1.5"]`` → values; unknown tags list their close matches."""
    from colorizer_app.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    tags: dict[str, float] = {}
    for item in items:
        name, _, text = item.partition("=")
        try:
            value = float(text) if text else TAG_VALUE.default
        except ValueError:
            raise ColorizerError(f"--tags {item}: '{text}' is not a number") from None
        if not TAG_VALUE.admits(value):
            raise ColorizerError(
                f"--tags {item}: the value must lie between {TAG_VALUE.low:g} and "
                f"{TAG_VALUE.high:g}"
            )
        if vocabulary.tag(name).kind != "cvt":  # unknown: ColorizerError with close matches
            raise ColorizerError(f"--tags {name}: a shape tag; only color tags steer colors")
        tags[name] = value
    return tags


def make_engine(args: argparse.Namespace) -> Engine:
    """The engine for these options (imports torch, so only when a command runs)."""
    from colorizer_app.engine.pipeline import Engine

    return Engine(device=args.device, threads=args.threads)


def write_outputs(
    result: ColorizeResult,
    *,
    png: Path | None = None,
    layers: Path | None = None,
    ora: Path | None = None,
    psd: Path | None = None,
) -> list[Path]:
    """Writes the composite and/or the layer stack where asked (each file atomically); returns
    what was written."""
    from colorizer_app.imaging.atomic import atomic_save_png
    from colorizer_app.imaging.export import write_ora, write_png_layers, write_psd

    written: list[Path] = []
    if png is not None:
        atomic_save_png(png, result.composite)
        written.append(png)
    if layers is not None:
        write_png_layers(layers, result.stack(), merged=result.composite)
        written.append(layers)
    if ora is not None:
        write_ora(ora, result.stack(), merged=result.composite)
        written.append(ora)
    if psd is not None:
        write_psd(psd, result.stack())
        written.append(psd)
    return written
