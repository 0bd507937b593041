"""``colorizer-cli models``: the installed models, what each takes, its scoreboard, and the
model files that were refused."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from colorizer_app.commandline import EXIT_OK, Subcommand


def configure(parser: argparse.ArgumentParser) -> None:
    """No options: it lists shipped and user models (``$COLORIZER_MODELS_DIR`` moves the latter)."""


def run(args: argparse.Namespace) -> int:
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.engine.registry import ModelRegistry, user_models_dir

    registry = ModelRegistry()
    registry.verify_all()  # load each model once, so that the list is final
    engine = Engine(registry, device="cpu")
    for info in engine.models():
        size = f"{info.resolution}px" if info.resolution else "any size"
        default = " (default)" if info.default else ""
        print(
            f"{info.name}{default}: {info.source}, {info.architecture}, {size}, takes "
            f"{', '.join(sorted(info.accepts))}"
        )
        if info.scoreboard:
            print(f"    scoreboard: {format_scoreboard(info.scoreboard)}")
    for refusal in registry.refusals:
        print(f"refused {refusal.name}: {refusal.reason}")
    print(f"your own models (NAME.safetensors + NAME.json) go into {user_models_dir()}")
    return EXIT_OK


def format_scoreboard(scores: Mapping[str, Any], prefix: str = "") -> str:
    """Nested metrics as ``a.b=0.912`` items; text values as they are."""
    items = []
    for key, value in scores.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            items.append(format_scoreboard(value, f"{name}."))
        elif isinstance(value, float):
            items.append(f"{name}={value:.3g}")
        else:
            items.append(f"{name}={value}")
    return ", ".join(item for item in items if item)


COMMAND = Subcommand(
    "models",
    "list the installed models, what they take and their scores",
    configure,
    run,
    description="List the shipped and user models (each verified: SHA-256, safetensors, fits "
    "its network), the hints each takes (strokes, tags, reference), its working resolution and "
    "scoreboard, then flat fill, then every model file that was refused and why.",
)
