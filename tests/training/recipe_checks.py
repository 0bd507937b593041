"""Shared checks of the paper-recipe tests: a tiny run through the real CLI, and that each model
file it wrote holds exactly the trained weights of its network (same outputs as the checkpoint)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from colorizer_app.nets.modelfile import load_model
from colorizer_app.nets.registry import ARCHITECTURES
from colorizer_app.vocabulary import load_vocabulary
from training.cli import main
from training.data.dataset import Collate, SyntheticDataset
from training.recipes import build_recipe
from training.recipes.base import RecipeSetup

SIZE = 128  # the synthetic generator's smallest size
TINY = ["--config", "tiny", "--size", str(SIZE), "--batch-size", "2", "--eval-samples", "1"]


def train(recipe: str, out: Path, *args: str, steps: int = 3) -> Path:
    assert main(["train", recipe, *TINY, "--steps", str(steps), "--out", str(out), *args]) == 0
    return out


def batch(hints: str = "none", n: int = 2, seed: int = 5, **dataset_options) -> dict:
    dataset = SyntheticDataset(seed, 10, size=SIZE, **dataset_options)
    return Collate(hints, seed=0)([dataset[i] for i in range(n)])


def assert_export_is_checkpoint(run: Path, name: str, prefix: str, inputs: Sequence) -> None:
    """``run/name`` loads back and computes what the checkpoint's ``prefix`` network does."""
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


def tiny_recipe(name, tagger=None, **ablation):
    setup = RecipeSetup(
        config="tiny",
        vocabulary=load_vocabulary(),
        size=SIZE,
        device=torch.device("cpu"),
        ablation=ablation,
        tagger=tagger,
    )
    return build_recipe(name, setup)


def assert_model_file_matches_checkpoint(run, model_name, network, inner=None):
    """The model file holds the checkpoint's weights of ``network`` (in its submodule ``inner``,
    for extractors that wrap the trained net) and, rebuilt from its manifest with the
    checkpoint's weights, is the same module: returns (loaded, rebuilt)."""
    loaded = load_model(run / f"{model_name}.safetensors", vocabulary=load_vocabulary())
    saved = load_file(str(run / "checkpoint" / "modules.safetensors"))
    prefix = f"{network}."
    own = {k.removeprefix(prefix): v for k, v in saved.items() if k.startswith(prefix)}
    part = lambda module: module if inner is None else getattr(module, inner)  # noqa: E731
    state = part(loaded.module).state_dict()
    assert own.keys() == state.keys()
    assert all(torch.equal(own[k], state[k]) for k in own)
    rebuilt = ARCHITECTURES[loaded.manifest.architecture].build(loaded.manifest.config)
    part(rebuilt).load_state_dict(own)
    return loaded, rebuilt


def generator_outputs_equal(a, b, config, in_channels=1):
    data = batch(seed=7)
    sketch = data["sketch"].repeat(1, in_channels, 1, 1)
    features = torch.randn(
        2, config.cit_channels, 16, 16, generator=torch.Generator().manual_seed(0)
    )  # (B, C, H/8, W/8)
    a.eval(), b.eval()
    with torch.no_grad():
        return torch.equal(a(sketch, data["cvt"], features)[0], b(sketch, data["cvt"], features)[0])


def adam_steps(run, optimizer):
    tensors = load_file(str(run / "checkpoint" / "optimizers.safetensors"))
    return max(
        float(v)
        for k, v in tensors.items()
        if k.startswith(f"{optimizer}.") and k.endswith(".step")
    )


def resume_from_marked_checkpoint(recipe, run, out, steps, extra=()):
    """Copies ``run``, adds 100 to every Adam step count of its checkpoint, resumes to ``steps``.

    A resumed optimizer then counts 100 + all steps, and only the missing steps run; a fresh one
    (or a restarted step counter) would give other counts.
    """
    shutil.copytree(run, out)
    path = out / "checkpoint" / "optimizers.safetensors"
    tensors = {k: v + 100 if k.endswith(".step") else v for k, v in load_file(str(path)).items()}
    save_file(tensors, str(path))
    assert (
        main(["train", recipe, *TINY, *extra, "--steps", str(steps), "--out", str(out), "--resume"])
        == 0
    )
    assert json.loads((out / "checkpoint" / "state.json").read_text())["step"] == steps
