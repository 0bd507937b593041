"""``python -m training realism``: how far the synthetic data is from the real dev set.

Features of the project's tagger on fresh synthetic samples (evaluation seeds, never trained on)
and on the dev set's drawings; the Fréchet distance between them and the leave-one-out accuracy
of a classifier that tells them apart (0.5: indistinguishable), for line art and for colors
(see ``training.real_dev.realism``). A benchmark to run and quote: the dev set's images stay in
``--images`` (evaluation only) and no test reads them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from colorizer_app.commandline import Subcommand


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tagger",
        type=Path,
        help="the tagger model file (default: the shipped reference tagger)",
    )
    parser.add_argument("--n", type=int, default=200, help="synthetic samples (default 200)")
    parser.add_argument("--config", default="train", help="named synthetic config (default train)")
    parser.add_argument(
        "--size", type=int, default=256, help="long side the features are read at (default 256)"
    )
    parser.add_argument(
        "--images",
        type=Path,
        default=Path("../shared"),
        help="the folder that holds the dev set's image folders",
    )
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")


def run(args: argparse.Namespace) -> int:
    import json

    import numpy as np
    from tqdm import tqdm

    from colorizer_app.errors import ColorizerError
    from colorizer_app.imaging.atomic import atomic_write_bytes
    from colorizer_app.nets.modelfile import load_model
    from colorizer_app.resources import MODELS_DIR
    from colorizer_app.vocabulary import load_vocabulary
    from training.data.synthetic import SyntheticConfig, eval_seed, generate
    from training.real_dev.drawings import prepare
    from training.real_dev.labels import DEFAULT_LABELS, load_labels
    from training.real_dev.realism import gap, tagger_features

    if args.n < 2:
        raise ColorizerError("--n must be at least 2")
    tagger_file = args.tagger or next(
        iter(sorted(MODELS_DIR.glob("reference-tagger-*.safetensors")))
    )
    tagger = load_model(tagger_file).module.eval()
    features = tagger_features(tagger, args.size)
    config = SyntheticConfig.sized(args.config, args.size)
    synthetic_lines, synthetic_colors = [], []
    for i in tqdm(range(args.n), desc="synthetic", unit="sample"):
        sample = generate(eval_seed(i), config)
        synthetic_lines.append(features(sample.sketch))
        synthetic_colors.append(features(sample.color))
    real_lines, real_colors = [], []
    for drawing in load_labels(DEFAULT_LABELS, load_vocabulary()).drawings:
        prepared = prepare(drawing, args.images, 512)
        real_lines.append(features(prepared.sketch))
        if prepared.original is not None:
            real_colors.append(features(prepared.original))
    figures = {
        "line art": gap(np.stack(synthetic_lines), np.stack(real_lines)),
        "colors": gap(np.stack(synthetic_colors), np.stack(real_colors)),
    }
    print(f"synthetic ({args.config}, {args.n} samples at {args.size}) against the real dev set")
    print("| | Fréchet distance (tagger, 8 components) | told apart (0.5 = alike) | real |")
    print("| --- | --- | --- | --- |")
    for name, figure in figures.items():
        print(f"| {name} | {figure.frechet:.2f} | {figure.accuracy:.2f} | {figure.real} |")
    if args.out:
        report = {
            "tagger": str(tagger_file),
            "config": args.config,
            "n": args.n,
            "size": args.size,
            "figures": {name: vars(figure) for name, figure in figures.items()},
        }
        atomic_write_bytes(args.out, json.dumps(report, indent=1).encode("utf-8"))
    return 0


COMMAND = Subcommand(
    "realism",
    "Measure how far the synthetic data is from the real dev set (tagger features).",
    configure,
    run,
)
