"""``colorizer-cli colorize LINEART``: color one drawing (or a saved project) from tags, hints
and a reference."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from colorizer_app.cli.colorize_options import (
    add_colorize_options,
    make_engine,
    read_options,
    write_outputs,
)
from colorizer_app.cli.project_input import PROJECT_INPUT_HELP, load_drawing
from colorizer_app.commandline import EXIT_OK, Subcommand
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.palette import palette_of


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "lineart", metavar="LINEART", help=f"the line drawing to color; {PROJECT_INPUT_HELP}"
    )
    add_colorize_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT.png",
        type=Path,
        help="the colored picture (default: LINEART-colored.png beside it, "
        "unless --layers, --ora or --psd is given)",
    )
    parser.add_argument(
        "--layers",
        metavar="DIR",
        type=Path,
        help="also write one PNG per layer and the composite into DIR",
    )
    parser.add_argument(
        "--ora",
        metavar="FILE.ora",
        type=Path,
        help="also write an OpenRaster file (Krita, GIMP, MyPaint)",
    )
    parser.add_argument(
        "--psd", metavar="FILE.psd", type=Path, help="also write a Photoshop file with named layers"
    )
    parser.add_argument(
        "--save-palette",
        metavar="P.json",
        type=Path,
        help="also save the result's character palette (each part's color) for --palette; "
        "the character is named after the file",
    )


def run(args: argparse.Namespace) -> int:
    options = read_options(args)  # bad tags or hint files fail before anything heavy
    drawing, options = load_drawing(args.lineart, options)
    result = make_engine(args).colorize(options.request(drawing))
    output = args.output
    if output is None and args.layers is None and args.ora is None and args.psd is None:
        source = Path(args.lineart)
        output = source.with_name(f"{source.stem}-colored.png")
    written = write_outputs(result, png=output, layers=args.layers, ora=args.ora, psd=args.psd)
    if args.save_palette is not None:
        if result.parts is None:
            raise ColorizerError(f"model '{result.model}' finds no parts: no palette to save")
        parts = result.parts
        palette = palette_of(
            args.save_palette.stem, result.layers["color"], parts.parts, parts.names
        )
        palette.save(args.save_palette)
        written.append(args.save_palette)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(
        f"{args.lineart}: colored by {result.model} in {result.seconds:.2f} s → "
        + ", ".join(str(path) for path in written)
    )
    return EXIT_OK


COMMAND = Subcommand(
    "colorize",
    "color one line drawing",
    configure,
    run,
    description="Color LINEART with the best installed model for the hints given (or the one "
    "named by --model, or flat fill) and write the picture, its layers, an OpenRaster or a "
    "Photoshop file. Unknown tags are refused with their close matches. LINEART may be a "
    "project saved by the app (.ora): it is colored with its saved strokes, fills, tags and "
    "reference, which the options extend or override as LINEART's help says.",
)
