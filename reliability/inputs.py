"""Hostile images through the loader, ``colorizer-cli colorize`` and ``colorizer-cli batch``.

Each kind in ``hostile_images.HOSTILE_IMAGES`` is either colored at its own size or refused
with one line naming the file; nothing else is acceptable: no traceback, no internal error, no
output file for a refused input, and no decoding of a declared-huge image (its memory is
measured with tracemalloc).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from colorizer_app.errors import ColorizerError
from reliability.hostile_images import COLORED, HOSTILE_IMAGES, HostileImage
from reliability.outcome import CliRun, Outcome, environment, is_one_line, run_cli

BOMB_PEAK_LIMIT_MB = 16.0
MODELS = ("flat",)  # plus the random model when a models folder is given


def create_all(folder: Path) -> list[tuple[HostileImage, Path]]:
    """Every hostile kind as a file (or folder) in ``folder``; kinds already there are kept."""
    folder.mkdir(parents=True, exist_ok=True)
    created = []
    for kind in HOSTILE_IMAGES:
        path = folder / kind.filename
        if not path.exists():
            kind.make(path)
        created.append((kind, path))
    return created


def loader_scenario(folder: Path) -> Outcome:
    """Every kind through ``load_image``; the figure is the peak Python memory of the bombs."""
    from colorizer_app.imaging.loader import load_image

    outcome = Outcome("hostile images → loader")
    bomb_peak = 0.0
    colored = 0
    for kind, path in create_all(folder):
        outcome.tried += 1
        tracemalloc.start()
        try:
            pixels = load_image(path).pixels
        except ColorizerError as error:
            outcome.expect(kind.expect != COLORED, f"{kind.name}: refused ({error})")
            outcome.expect(
                is_one_line(str(error)) and path.name in str(error),
                f"{kind.name}: unclear message {str(error)!r}",
            )
        except Exception as error:  # noqa: BLE001 - that is what this scenario counts
            outcome.crashes += 1
            outcome.problems.append(f"{kind.name}: {type(error).__name__}: {error}")
        else:
            colored += 1
            outcome.expect(kind.expect == COLORED, f"{kind.name}: loaded, should be refused")
            outcome.expect(
                kind.size is None or pixels.shape[:2] == kind.size,
                f"{kind.name}: loaded as {pixels.shape[:2]}, expected {kind.size}",
            )
        finally:
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        if kind.bomb:
            bomb_peak = max(bomb_peak, peak)
    outcome.memory_mb = bomb_peak
    outcome.expect(
        bomb_peak <= BOMB_PEAK_LIMIT_MB,
        f"a bomb took {bomb_peak:.1f} MB (limit {BOMB_PEAK_LIMIT_MB:g})",
    )
    outcome.result = (
        f"{colored} loaded, {outcome.tried - colored} refused; memory = peak of the bombs"
    )
    return outcome


def _check_refusal(
    outcome: Outcome, kind: HostileImage, path: Path, run: CliRun, where: str
) -> None:
    lines = run.error_lines
    outcome.expect(run.code == 2, f"{where} {kind.name}: exit {run.code}, expected 2")
    outcome.expect(
        len(lines) == 1 and lines[0].startswith("colorizer-cli: error:") and path.name in lines[0],
        f"{where} {kind.name}: expected one error line naming the file, got {lines}",
    )


def _check_picture(outcome: Outcome, kind: HostileImage, output: Path, where: str) -> None:
    if not outcome.expect(output.is_file(), f"{where} {kind.name}: {output.name} not written"):
        return
    with Image.open(output) as picture:
        size = (picture.height, picture.width)
    outcome.expect(
        kind.size is None or size == kind.size,
        f"{where} {kind.name}: output is {size}, expected {kind.size}",
    )


def _count(outcome: Outcome, run: CliRun, where: str) -> None:
    if run.code == 1:
        outcome.crashes += 1
        outcome.problems.append(f"{where}: internal error: {run.stderr.strip()[-300:]}")
    if "Traceback" in run.stderr:
        outcome.tracebacks += 1
        outcome.problems.append(f"{where}: traceback on stderr")


def _models(models_dir: Path | None) -> Sequence[str]:
    from reliability.fixtures import RANDOM_MODEL

    return MODELS + ((RANDOM_MODEL,) if models_dir is not None else ())


def cli_colorize_scenario(folder: Path, models_dir: Path | None) -> Outcome:
    """``colorizer-cli colorize KIND --model M`` for every kind and model (flat fill, and the
    random model of ``models_dir``)."""
    from colorizer_app.engine.registry import USER_MODELS_ENV

    outcome = Outcome("hostile images → colorizer-cli colorize")
    out_dir = folder.parent / f"{folder.name}-colorized"
    out_dir.mkdir(exist_ok=True)
    models = _models(models_dir)
    with environment(**{USER_MODELS_ENV: str(models_dir or folder / "no-models")}):
        for index, (kind, path) in enumerate(create_all(folder)):
            for model in models:
                output = out_dir / f"{index}-{model}.png"
                outcome.tried += 1
                run = run_cli(
                    ["colorize", str(path), "--model", model, "--threads", "1", "-o", str(output)]
                )
                where = f"colorize --model {model}"
                _count(outcome, run, f"{where} {kind.name}")
                if kind.expect == COLORED:
                    outcome.expect(
                        run.code == 0, f"{where} {kind.name}: exit {run.code}: {run.stderr.strip()}"
                    )
                    _check_picture(outcome, kind, output, where)
                else:
                    _check_refusal(outcome, kind, path, run, where)
                    outcome.expect(not output.exists(), f"{where} {kind.name}: wrote an output")
    outcome.result = f"{len(HOSTILE_IMAGES)} kinds × models {', '.join(models)}"
    return outcome


def batch_scenario(folder: Path, models_dir: Path | None) -> Outcome:
    """``colorizer-cli batch`` over one folder holding every kind, per model: the bad ones
    reported (one line each) and skipped, the good ones written."""
    from colorizer_app.cli.commands.batch import drawings, output_names
    from colorizer_app.engine.registry import USER_MODELS_ENV

    outcome = Outcome("hostile images → colorizer-cli batch")
    kinds = create_all(folder)
    names = output_names(drawings(folder))
    in_batch = [(kind, path) for kind, path in kinds if kind.in_batch]
    expected_colored = sum(kind.expect == COLORED for kind, _ in in_batch)
    models = _models(models_dir)
    with environment(**{USER_MODELS_ENV: str(models_dir or folder / "no-models")}):
        for model in models:
            out_dir = folder.parent / f"{folder.name}-batch-{model}"
            outcome.tried += len(in_batch)
            run = run_cli(["batch", str(folder), str(out_dir), "--model", model, "--threads", "1"])
            where = f"batch --model {model}"
            _count(outcome, run, where)
            outcome.expect(run.code == 2, f"{where}: exit {run.code}, expected 2 (some failed)")
            outcome.expect(
                f"colored {expected_colored} of {len(in_batch)} drawings" in run.stdout,
                f"{where}: summary {run.stdout.strip()!r}",
            )
            for kind, path in kinds:
                mentions = [line for line in run.error_lines if str(path) in line]
                if kind.in_batch and kind.expect != COLORED:
                    outcome.expect(
                        len(mentions) == 1,
                        f"{where} {kind.name}: reported {len(mentions)} times, expected once",
                    )
                else:
                    outcome.expect(not mentions, f"{where} {kind.name}: reported {mentions}")
                if kind.in_batch and kind.expect == COLORED:
                    _check_picture(outcome, kind, out_dir / f"{names[path]}.png", where)
    outcome.result = (
        f"{len(in_batch)} files per run ({expected_colored} colorable), models {', '.join(models)}"
    )
    return outcome
