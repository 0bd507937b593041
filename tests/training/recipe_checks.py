"""Shared checks of the paper-recipe tests: a tiny run through the real CLI, and that each model
file it wrote holds exactly the trained weights of its network (same outputs as the checkpoint)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file

from colorizer_app.nets.modelfile import load_model
from colorizer_app.nets.registry import ARCHITECTURES
from colorizer_app.vocabulary import load_vocabulary
from training.cli import main
from training.data.dataset import Collate, SyntheticDataset

SIZE = 128  # the synthetic generator's smallest size
TINY = ["--config", "tiny", "--size", str(SIZE), "--batch-size", "2", "--eval-samples", "1"]


def train(recipe: str, out: Path, *args: str, steps: int = 3) -> Path:
    assert main(["train", recipe, *TINY, "--steps", str(steps), "--out", str(out), *args]) == 0
    return out


def batch(hints: str = "none", n: int = 2, seed: int = 5, **dataset_options) -> dict:
    dataset = SyntheticDataset(seed, 10, size=SIZE, **dataset_options)
    return Collate(hints, seed=0)([dataset[i] for i in range(n)])


def assert_export_is_checkpoint(run: Path, name: str, prefix: str, inputs: Sequence) -> None:
    """``run/name`` loads back and computes exactly what the checkpoint's ``prefix`` network does."""
    loaded = load_model(run / f"{name}.safetensors", vocabulary=load_vocabulary())
    twin = ARCHITECTURES[loaded.manifest.architecture].build(loaded.manifest.config)
    tensors = load_file(str(run / "checkpoint" / "modules.safetensors"))
    twin.load_state_dict(
        {
            key.removeprefix(prefix + "."): value
            for key, value in tensors.items()
            if key.startswith(prefix + ".")
        }
    )
    twin.eval()
    with torch.no_grad():
        expected, actual = twin(*inputs), loaded.module(*inputs)
    assert torch.equal(expected, actual)


def save_shared_tagger(folder: Path) -> Path:
    """A tiny shared tagger (``reference.tagger``, random weights) as a recipe's ``--tagger``."""
    from colorizer_app.nets.modelfile import ModelManifest, save_model
    from colorizer_app.nets.reference import ResNetTagger, configs

    vocabulary = load_vocabulary()
    torch.manual_seed(0)
    tagger = ResNetTagger(configs(len(vocabulary.cvt), len(vocabulary.cit))["tagger"]["tiny"])
    manifest = ModelManifest(
        "reference.tagger",
        tagger.config,
        tuple(t.name for t in vocabulary.cvt),
        tuple(t.name for t in vocabulary.cit),
        (),
        SIZE,
    )
    save_model(folder / "shared-tagger", tagger, manifest)
    return folder / "shared-tagger.safetensors"
