"""``colorizer-cli batch IN_DIR OUT_DIR``: color every drawing of a folder (e.g. animation
frames) with the same tags, hints and reference; saved projects (.ora) with their own too."""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
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
from colorizer_app.imaging.loader import IMAGE_SUFFIXES

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "in_dir",
        metavar="IN_DIR",
        type=Path,
        help=f"folder of line drawings; {PROJECT_INPUT_HELP}",
    )
    parser.add_argument(
        "out_dir",
        metavar="OUT_DIR",
        type=Path,
        help="where NAME.png (and the layered files) go; created if missing",
    )
    add_colorize_options(parser)
    parser.add_argument(
        "--layers", action="store_true", help="also write each drawing's layers into OUT_DIR/NAME/"
    )
    parser.add_argument("--ora", action="store_true", help="also write OUT_DIR/NAME.ora")
    parser.add_argument("--psd", action="store_true", help="also write OUT_DIR/NAME.psd")


def drawings(folder: Path) -> list[Path]:
    """The image and project files of ``folder`` (not hidden), in name order."""
    from colorizer_app.document.project import PROJECT_SUFFIX

    suffixes = (*IMAGE_SUFFIXES, PROJECT_SUFFIX)
    if not folder.is_dir():
        raise ColorizerError(f'"{folder}" is not a folder')
    files = sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in suffixes
    )
    if not files:
        raise ColorizerError(f'"{folder}" holds no images ({", ".join(suffixes)})')
    return files


def output_names(files: list[Path]) -> dict[Path, str]:
    """The output name (without suffix) of each drawing: its stem, or stem-suffix when two
    drawings share a stem (frame.png and frame.jpg must not overwrite each other)."""
    stems = Counter(path.stem for path in files)
    return {
        path: path.stem if stems[path.stem] == 1 else f"{path.stem}-{path.suffix[1:].lower()}"
        for path in files
    }


def run(args: argparse.Namespace) -> int:
    """A drawing that fails is reported on stderr and skipped; the rest are colored. Exit 2
    when any failed."""
    from tqdm import tqdm

    options = read_options(args)
    files = drawings(args.in_dir)
    names = output_names(files)
    try:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ColorizerError(f'cannot create "{args.out_dir}": {error.strerror}') from None
    engine = make_engine(args)
    failed = 0
    notes: set[str] = set()
    for path in tqdm(
        files,
        desc="coloring",
        unit="drawing",
        file=sys.stderr,
        disable=None if sys.stderr.isatty() else True,
    ):
        out = args.out_dir / names[path]
        try:
            drawing, file_options = load_drawing(path, options)
            result = engine.colorize(file_options.request(drawing))
            write_outputs(
                result,
                png=out.with_suffix(".png"),
                layers=out if args.layers else None,
                ora=out.with_suffix(".ora") if args.ora else None,
                psd=out.with_suffix(".psd") if args.psd else None,
            )
        except ColorizerError as error:
            failed += 1
            tqdm.write(f"{path}: {error}", file=sys.stderr)
            continue
        except Exception as error:  # noqa: BLE001 - one broken frame must not stop the others
            failed += 1
            log.debug("internal error on %s", path, exc_info=True)
            tqdm.write(f"{path}: internal error: {type(error).__name__}: {error}", file=sys.stderr)
            continue
        notes.update(result.notes)
    for note in sorted(notes):
        print(f"note: {note}", file=sys.stderr)
    print(f"colored {len(files) - failed} of {len(files)} drawings into {args.out_dir}")
    if failed:
        raise ColorizerError(f"{failed} of {len(files)} drawings failed")
    return EXIT_OK


COMMAND = Subcommand(
    "batch",
    "color every drawing in a folder",
    configure,
    run,
    description="Color every image in IN_DIR (animation frames, a folder of drawings) with the "
    "same tags, hints and reference; a drawing that cannot be colored is reported and skipped, "
    "and a summary closes the run (exit 2 if any failed).",
)
