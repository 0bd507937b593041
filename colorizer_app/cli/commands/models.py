"""``colorizer-cli models``: the installed models as a table (what each takes, its working size,
the default mark and a few headline scores), the model files that were refused, and with
``--verbose`` or ``--json`` every score each model's scoreboard carries."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from typing import Any

from colorizer_app.commandline import EXIT_OK, Subcommand

# (column, scoreboard key, the input it measures): the synthetic scores an artist cares about,
# higher is better but for bleeding. A score of an input the model does not take is not shown.
HEADLINES = (
    ("tags", "tag_accuracy", "tags"),
    ("strokes", "hint_accuracy", "strokes"),
    ("reference", "reference_accuracy", "reference"),
    ("bleeding", "bleeding", None),
)
SECTION_NAMES = {"training_eval": "its training run's evaluation"}
# The scoreboard sections to take the headlines from, the one that is nearest to how the app runs
# the model first: through the engine with region consistency, then the network alone, then the
# training run's own evaluation. A scoreboard with none of them shows its top level.
SECTION_PREFERENCE = ("engine+consistency@", "engine@", "direct@", "training_eval")


def configure(parser: argparse.ArgumentParser) -> None:
    """Lists shipped and user models (``$COLORIZER_MODELS_DIR`` moves the latter)."""
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--verbose", action="store_true", help="after the table, every score of every model"
    )
    shown.add_argument(
        "--json", action="store_true", help="everything as one JSON object, for scripts"
    )


def run(args: argparse.Namespace) -> int:
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.engine.registry import ModelRegistry, user_models_dir

    registry = ModelRegistry()
    registry.verify_all()  # load each model once, so that the list is final
    models = Engine(registry, device="cpu").models()
    if args.json:
        print(json.dumps(as_json(models, registry.refusals, user_models_dir()), indent=2))
        return EXIT_OK
    print(format_table(models))
    if args.verbose:
        for info in models:
            if info.scoreboard:
                print(f"\n{info.name} scoreboard:")
                print("\n".join(f"  {line}" for line in scoreboard_lines(info.scoreboard)))
    for refusal in registry.refusals:
        print(f"refused {refusal.name}: {refusal.reason}")
    print(f"your own models (NAME.safetensors + NAME.json) go into {user_models_dir()}")
    return EXIT_OK


def headline_section(scoreboard: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """The scoreboard section the table's scores come from, and its name ("" for the top level)."""
    for prefix in SECTION_PREFERENCE:
        for name, section in scoreboard.items():
            if name.startswith(prefix) and isinstance(section, Mapping):
                return name, section
    return "", scoreboard


def format_table(models: Sequence[Any]) -> str:
    """One row a model; ``-`` where a score is not measured; the default marked with ``*``."""
    header = ["model", "takes", "works at", *(column for column, _, _ in HEADLINES), "measured on"]
    rows = [header]
    for info in models:
        section_name, section = headline_section(info.scoreboard)
        scores = [
            section.get(key) if needs is None or needs in info.accepts else None
            for _, key, needs in HEADLINES
        ]
        samples = section.get("samples")
        measured = SECTION_NAMES.get(section_name, section_name)
        measured += f" ({samples} synthetic samples)" if samples else ""
        rows.append(
            [
                info.name + (" *" if info.default else ""),
                ", ".join(sorted(info.accepts)),
                f"{info.resolution}px" if info.resolution else "any size",
                *(f"{value:.3f}" if isinstance(value, float) else "-" for value in scores),
                measured if info.scoreboard else "-",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.append("* the default; bleeding: lower is better; --verbose lists every score")
    return "\n".join(lines)


def scoreboard_lines(scores: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Nested metrics as ``a.b: 0.912`` lines; text values as they are."""
    lines = []
    for key, value in scores.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            lines.extend(scoreboard_lines(value, f"{name}."))
        elif isinstance(value, float):
            lines.append(f"{name}: {value:.4g}")
        else:
            lines.append(f"{name}: {value}")
    return lines


def as_json(models: Sequence[Any], refusals: Sequence[Any], user_folder: object) -> dict[str, Any]:
    """The models, refusals and the user folder as plain JSON values."""
    return {
        "models": [
            {
                "name": info.name,
                "default": info.default,
                "source": info.source,
                "architecture": info.architecture,
                "accepts": sorted(info.accepts),
                "resolution": info.resolution,
                "scoreboard": info.scoreboard,
            }
            for info in models
        ],
        "refused": [{"name": r.name, "reason": str(r.reason)} for r in refusals],
        "user_models_dir": str(user_folder),
    }


COMMAND = Subcommand(
    "models",
    "list the installed models, what they take and their scores",
    configure,
    run,
    description="List the shipped and user models (each verified: SHA-256, safetensors, fits "
    "its network) as a table: the hints each takes (strokes, tags, reference), its working "
    "resolution, the default, and headline scores from its scoreboard; then every model file "
    "that was refused and why. --verbose adds every score, --json prints it all for scripts.",
)
