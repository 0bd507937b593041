"""``colorizer-cli info FILE...``: what the program sees in an image before coloring it."""

from __future__ import annotations

import argparse
import sys

from colorizer_app.commandline import EXIT_OK, Subcommand
from colorizer_app.errors import ColorizerError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="image files to describe")


def run(args: argparse.Namespace) -> int:
    """One line per file on stdout. An unreadable file gets its reason on stderr and the others
    are still described (``info folder/*`` is useful even if one file is bad); then exit 2."""
    failures = 0
    for name in args.files:
        try:
            line = describe(name)
        except ColorizerError as error:
            if len(args.files) == 1:
                raise
            failures += 1
            print(error, file=sys.stderr)
            continue
        print(line)
    if failures:
        raise ColorizerError(f"{failures} of {len(args.files)} files could not be read")
    return EXIT_OK


def describe(name: str) -> str:
    from colorizer_app.imaging.lineart import normalize_lineart
    from colorizer_app.imaging.loader import load_image

    loaded = load_image(name)
    lineart = normalize_lineart(loaded.pixels)
    height, width = loaded.pixels.shape[:2]
    alpha = " with transparency" if loaded.has_alpha else ""
    return (
        f"{name}: {width}x{height} px, {loaded.source_format} {loaded.source_mode}{alpha}, "
        f"{lineart.polarity}, ink coverage {lineart.coverage:.1%}"
    )


COMMAND = Subcommand(
    "info",
    "print size, mode, line polarity and ink coverage of images",
    configure,
    run,
    description="For each FILE print its size, format and mode, whether its lines are "
    "dark-on-light, light-on-dark or in the alpha channel, and the share of pixels that are ink.",
)
