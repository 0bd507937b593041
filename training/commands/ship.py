"""``python -m training ship MODEL --name NAME``: put a trained model into the app's catalogue.

Copies the model file into ``resources/models/`` (float16 storage halves its size; the network
computes in float32 either way), and writes its catalogue entry — SHA-256, architecture, hints,
resolution, recipe, budget and scoreboard — into ``resources/models/manifest.json``, replacing an
entry of the same name. With ``--scoreboard`` the entry carries that ``eval`` JSON's overall
column (e.g. 500 fresh ``eval-v1`` samples) instead of the training run's own evaluation.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from colorizer_app.commandline import Subcommand


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path, help="a trained MODEL.safetensors (with MODEL.json)")
    parser.add_argument("--name", required=True, help="the name the app and --model use")
    parser.add_argument("--default", action="store_true", help="make it the model 'auto' prefers")
    parser.add_argument("--scoreboard", type=Path, action="append", default=[],
                        help="metrics.json written by `python -m training eval` (repeatable: "
                             "e.g. once for the working size, once through the engine)")
    parser.add_argument("--float32", action="store_true", help="keep float32 storage")
    parser.add_argument("--models-dir", type=Path, help="catalogue folder (default: the app's)")


def run(args: argparse.Namespace) -> int:
    from colorizer_app.errors import ColorizerError
    from colorizer_app.imaging.atomic import atomic_write_bytes
    from colorizer_app.nets.modelfile import load_model, save_model
    from colorizer_app.resources import MODELS_DIR
    from colorizer_app.vocabulary import load_vocabulary

    folder = args.models_dir or MODELS_DIR
    loaded = load_model(args.model, vocabulary=load_vocabulary())
    scoreboard: dict[str, object] = {"training_eval": dict(loaded.manifest.metrics)}
    for path in args.scoreboard:
        try:
            report = json.loads(path.read_text())
            overall = {k: v["value"] for k, v in report["table"]["overall"].items()}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ColorizerError(f"{path}: not a `python -m training eval` metrics.json ({error})")
        how = "engine" if report["model"].startswith("engine:") else "direct"
        scoreboard[f"{how}@{report['size']}"] = {
            "samples": report["seeds"][1] - report["seeds"][0], "config": report["config"],
            **overall}
    manifest = dataclasses.replace(loaded.manifest, metrics=scoreboard)
    written = save_model(folder / f"{args.name}.safetensors", loaded.module, manifest,
                         half=not args.float32)

    catalogue_path = folder / "manifest.json"
    catalogue = (json.loads(catalogue_path.read_text()) if catalogue_path.exists()
                 else {"format": 1, "models": []})
    models = [m for m in catalogue["models"] if m["name"] != args.name]
    if args.default:
        for m in models:
            m["default"] = False
    models.append({"name": args.name, "file": f"{args.name}.safetensors",
                   "sha256": written.sha256, "architecture": written.architecture,
                   "accepts": list(written.hints), "resolution": written.resolution,
                   "default": args.default, "recipe": dict(written.recipe),
                   "budget": dict(written.budget), "scoreboard": scoreboard})
    catalogue["models"] = sorted(models, key=lambda m: (not m["default"], m["name"]))
    atomic_write_bytes(catalogue_path, (json.dumps(catalogue, indent=1) + "\n").encode())
    size_mb = (folder / f"{args.name}.safetensors").stat().st_size / 2**20
    print(f"shipped {args.name} ({written.architecture}, {size_mb:.1f} MB, "
          f"sha256 {written.sha256[:12]}…) into {catalogue_path}")
    return 0


COMMAND = Subcommand("ship", "copy a trained model into the app's model catalogue",
                     configure, run, description=__doc__ or "")
