"""Tiny random models of each paper family, written as their training runs write them, and
shipped into a catalogue with their companions (the engine's and the scoreboard's tests)."""

import torch

from colorizer_app.nets import alacgan, csa, reference, tag2pix
from colorizer_app.nets.blocks import SEResNeXt, init_weights
from colorizer_app.nets.modelfile import ModelManifest, save_model
from colorizer_app.vocabulary import load_vocabulary
from training.cli import main as training_cli

VOCABULARY = load_vocabulary()
CVT = tuple(t.name for t in VOCABULARY.cvt)
CIT = tuple(t.name for t in VOCABULARY.cit)
SIZE = 32


def save(folder, name, architecture, module, hints):
    """``module`` as a float32 model file FOLDER/NAME.safetensors; returns its path."""
    manifest = ModelManifest(
        architecture=architecture,
        config=module.config,
        cvt=CVT,
        cit=CIT,
        hints=hints,
        resolution=SIZE,
    )
    path = folder / f"{name}.safetensors"
    save_model(path, module, manifest)
    return path


def tiny(family, network):
    return family.configs()[network]["tiny"]


def make_runs(folder):
    """Random tiny models of each family, as their training runs write them (file, companions).

    PyTorch's default init leaves the unnormalized AlacGAN and Yan networks all but deaf to
    their hints, references and tags (≈1e-5 of output); Kaiming's, like trained weights, lets
    them through."""
    torch.manual_seed(0)
    t2p = tiny(tag2pix, "generator")
    return {
        "tag2pix": (
            save(folder, "tag2pix", "tag2pix.generator", tag2pix.Tag2PixGenerator(t2p), ("tags",)),
            {
                "cit_extractor": save(
                    folder, "tagger", "tag2pix.tagger", SEResNeXt(tiny(tag2pix, "tagger")), ()
                )
            },
        ),
        "alacgan": (
            save(
                folder,
                "alacgan",
                "alacgan.generator",
                alacgan.AlacGenerator(tiny(alacgan, "generator")).apply(init_weights),
                ("strokes",),
            ),
            {
                "local_features": save(
                    folder,
                    "alac-local",
                    "alacgan.tagger",
                    alacgan.LocalFeatures(tiny(alacgan, "tagger")),
                    ("strokes",),
                )
            },
        ),
        "csa": (
            save(
                folder,
                "csa",
                "csa.generator",
                csa.CSAGenerator(tiny(csa, "generator")),
                ("strokes",),
            ),
            {
                "hint_features": save(
                    folder,
                    "csa-vgg",
                    "csa.hint_features",
                    csa.HintFeatures(tiny(csa, "hint_features")),
                    ("strokes",),
                )
            },
        ),
        "yan": (
            save(
                folder,
                "yan",
                "reference.generator",
                reference.YanGenerator(tiny(reference, "generator")).apply(init_weights),
                ("reference",),
            ),
            {
                "reference_encoder": save(
                    folder,
                    "yan-encoder",
                    "reference.tagger",
                    reference.ResNetTagger(tiny(reference, "tagger")),
                    ("reference",),
                ),
                "mapping": save(
                    folder,
                    "yan-mapping",
                    "reference.mapping",
                    reference.TagMapping(tiny(reference, "mapping")).apply(init_weights),
                    ("reference", "tags"),
                ),
            },
        ),
    }


def ship(shelf, name, model, companions):
    arguments = ["ship", str(model), "--name", name, "--models-dir", str(shelf)]
    for role, path in companions.items():
        arguments += ["--companion", f"{role}={path}"]
    assert training_cli(arguments) == 0
