"""``python -m training ship MODEL --name NAME``: put a trained model into the app's catalogue.

Copies the model file into ``resources/models/`` (float16 storage halves its size; the network
computes in float32 either way), and writes its catalogue entry — SHA-256, architecture, hints,
resolution, recipe, budget and scoreboard — into ``resources/models/manifest.json``, replacing an
entry of the same name. With ``--scoreboard`` the entry carries that ``eval`` JSON's overall
column (e.g. 500 fresh ``eval-v1`` samples) instead of the training run's own evaluation.

A paper model runs with frozen companion networks, each its own model file from the same run:
``--companion ROLE=FILE`` (repeatable; the roles are ``colorizer_app.engine.adapters.FAMILIES``'):

    ship runs/t2p/tag2pix.safetensors --name tag2pix-small \
        --companion cit_extractor=runs/tagger-se/tagger.safetensors
    ship runs/alac/alacgan.safetensors --name alacgan-small \
        --companion local_features=runs/alac/alacgan-local-features.safetensors
    ship runs/csa/csa.safetensors --name csa-small \
        --companion hint_features=runs/csa/csa-hint-features.safetensors
    ship runs/csa-shared/csa.safetensors --name csa-small \
        --companion hint_features=runs/tagger/tagger.safetensors    # the shared tagger
    ship runs/yan2/yan.safetensors --name yan-small \
        --companion reference_encoder=runs/yan2/yan-reference-encoder.safetensors \
        --companion mapping=runs/yan2/yan-mapping.safetensors

Each companion is stored (float16 like the model) as ``<architecture>-<first 12 hex of its
SHA-256>`` (``reference-tagger-…``), so one file serves every model that ships the same network,
in whichever role (the shared tagger), and the entry records its file and SHA-256. A companion
no entry refers to any more is deleted when its model is shipped again.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from colorizer_app.commandline import Subcommand

if TYPE_CHECKING:
    from torch import nn

    from colorizer_app.nets.modelfile import LoadedModel, ModelManifest


TRAINING_EVAL = "training_eval"  # the scoreboard's key for the run's own evaluation


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path, help="a trained MODEL.safetensors (with MODEL.json)")
    parser.add_argument("--name", required=True, help="the name the app and --model use")
    parser.add_argument("--default", action="store_true", help="make it the model 'auto' prefers")
    parser.add_argument(
        "--scoreboard",
        type=Path,
        action="append",
        default=[],
        help="metrics.json written by `python -m training eval` (repeatable: "
        "e.g. once for the working size, once through the engine)",
    )
    parser.add_argument(
        "--companion",
        type=_role_and_path,
        action="append",
        default=[],
        metavar="ROLE=FILE",
        help="a frozen network the model runs with, e.g. "
        "reference_encoder=run/yan-reference-encoder.safetensors (repeatable)",
    )
    parser.add_argument("--float32", action="store_true", help="keep float32 storage")
    parser.add_argument("--models-dir", type=Path, help="catalogue folder (default: the app's)")


def _role_and_path(text: str) -> tuple[str, Path]:
    role, equals, path = text.partition("=")
    if not equals or not role or not path:
        raise argparse.ArgumentTypeError(f"{text!r}: expected ROLE=FILE")
    return role, Path(path)


def run(args: argparse.Namespace) -> int:
    from colorizer_app.engine import adapters
    from colorizer_app.errors import ColorizerError
    from colorizer_app.imaging.atomic import atomic_write_bytes
    from colorizer_app.nets.modelfile import load_model, paths, save_model
    from colorizer_app.resources import MODELS_DIR
    from colorizer_app.vocabulary import load_vocabulary

    folder = args.models_dir or MODELS_DIR
    vocabulary = load_vocabulary()
    loaded = load_model(args.model, vocabulary=vocabulary)
    companions: dict[str, LoadedModel] = {}
    for role, path in args.companion:
        if role in companions:
            raise ColorizerError(f"--companion {role} is given twice")
        companions[role] = load_model(path, vocabulary=vocabulary)
    _check_runnable(args.name, loaded, companions)
    scoreboard = _scoreboard_of(loaded.manifest)
    for path in args.scoreboard:
        try:
            report = json.loads(path.read_text())
            overall = {k: v["value"] for k, v in report["table"]["overall"].items()}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ColorizerError(
                f"{path}: not a `python -m training eval` metrics.json ({error})"
            ) from None
        how = "engine" if report["model"].startswith("engine:") else "direct"
        if report.get("region_consistency"):
            how += "+consistency"
        scoreboard[f"{how}@{report['size']}"] = {
            "samples": report["seeds"][1] - report["seeds"][0],
            "config": report["config"],
            **overall,
        }
    manifest = dataclasses.replace(loaded.manifest, metrics=scoreboard)
    written = save_model(
        folder / f"{args.name}.safetensors", loaded.module, manifest, half=not args.float32
    )
    shipped = {
        role: _ship_companion(folder, companion.module, companion.manifest, half=not args.float32)
        for role, companion in companions.items()
    }

    catalogue_path = folder / "manifest.json"
    catalogue = (
        json.loads(catalogue_path.read_text())
        if catalogue_path.exists()
        else {"format": 1, "models": []}
    )
    replaced = [m for m in catalogue["models"] if m["name"] == args.name]
    models = [m for m in catalogue["models"] if m["name"] != args.name]
    if args.default:
        for m in models:
            m["default"] = False
    models.append(
        {
            "name": args.name,
            "file": f"{args.name}.safetensors",
            "sha256": written.sha256,
            "architecture": written.architecture,
            "accepts": list(
                adapters.accepted_hints(
                    written, {role: c.manifest for role, c in companions.items()}
                )
            ),
            "resolution": written.resolution,
            "default": args.default,
            "companions": shipped,
            "recipe": dict(written.recipe),
            "budget": dict(written.budget),
            "scoreboard": scoreboard,
        }
    )
    catalogue["models"] = sorted(models, key=lambda m: (not m["default"], m["name"]))
    atomic_write_bytes(catalogue_path, (json.dumps(catalogue, indent=1) + "\n").encode())
    in_use = {c["file"] for m in models for c in m.get("companions", {}).values()}
    for old in replaced:
        for companion in old.get("companions", {}).values():
            if companion["file"] not in in_use:
                for path in paths(folder / companion["file"]):
                    path.unlink(missing_ok=True)
    files = [f"{args.name}.safetensors", *(c["file"] for c in shipped.values())]
    size_mb = sum((folder / file).stat().st_size for file in files) / 2**20
    print(
        f"shipped {args.name} ({written.architecture}"
        f"{''.join(f' + {role}' for role in shipped)}, {size_mb:.1f} MB, "
        f"sha256 {written.sha256[:12]}…) into {catalogue_path}"
    )
    return 0


def _scoreboard_of(manifest: ModelManifest) -> dict[str, object]:
    """The scoreboard a model file brings: a training run's own evaluation, or, for a file that
    was shipped before (re-shipped with other companions), the scoreboard it already carries."""
    metrics = dict(manifest.metrics)
    return metrics if TRAINING_EVAL in metrics else {TRAINING_EVAL: metrics}


def _check_runnable(name: str, loaded: LoadedModel, companions: dict[str, LoadedModel]) -> None:
    """Refuses, before anything is written, a model the app would refuse: not a runnable
    architecture, companions missing, of the wrong kind or not fitting the generator."""
    from colorizer_app.engine import adapters
    from colorizer_app.errors import ColorizerError

    manifest = loaded.manifest
    if manifest.architecture not in adapters.FAMILIES:
        raise ColorizerError(
            f"{name}: a {manifest.architecture} network is for training; the "
            f"app runs {', '.join(adapters.FAMILIES)} models"
        )
    problem = adapters.companion_problem(manifest, {r: c.manifest for r, c in companions.items()})
    if problem is None:
        try:
            adapters.wrap(name, loaded, companions)
        except ValueError as error:
            problem = str(error)
    if problem is not None:
        raise ColorizerError(f"{name}: {problem}")


def _ship_companion(
    folder: Path, module: nn.Module, manifest: ModelManifest, *, half: bool
) -> dict[str, str]:
    """Stores a companion as ``<architecture>-<sha12>`` (named by its stored content, so shipping
    the same network for another model, in any role, reuses the file) and returns its record."""
    from colorizer_app.nets.modelfile import paths, save_model

    with tempfile.TemporaryDirectory(dir=folder) as temporary:
        written = save_model(Path(temporary) / "companion", module, manifest, half=half)
        stem = f"{manifest.architecture.replace('.', '-')}-{written.sha256[:12]}"
        for source, target in zip(
            paths(Path(temporary) / "companion"), paths(folder / stem), strict=False
        ):
            os.replace(source, target)
    return {"file": f"{stem}.safetensors", "sha256": written.sha256}


COMMAND = Subcommand(
    "ship",
    "copy a trained model into the app's model catalogue",
    configure,
    run,
    description=__doc__ or "",
)
