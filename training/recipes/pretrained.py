"""The papers' pre-trained, frozen feature nets, filled from the project's own tagger model files.

No pre-trained weights can be downloaded here (docs/architecture.md §2): the ``tagger`` recipe
trains them, and a recipe reads one through ``--tagger``. Without it the extractor keeps its random
initialisation, frozen — the run still trains, slowly but truly, and its model files say so. A
``--tagger`` of the shared tagger's architecture (``arch=resnet34``) makes a paper recipe read that
one tagger instead of its paper's own feature net (``nets.shared_tagger``).
"""

from __future__ import annotations

import logging

from torch import nn

from colorizer_app.errors import ColorizerError
from colorizer_app.nets import reference
from colorizer_app.nets.modelfile import load_model, read_manifest
from colorizer_app.nets.shared_tagger import FEATURE_STAGE, SHARED_TAGGER, TaggerFeatures
from training.recipes.base import RecipeSetup

log = logging.getLogger(__name__)

RANDOM_FEATURES = "none (random features)"


def load_frozen(target: nn.Module, setup: RecipeSetup, architecture: str, role: str) -> str:
    """Loads ``setup.tagger`` (a model file of ``architecture``) into the frozen ``target``.

    Returns what the exports record as their ``tagger``: the file and its SHA-256, or
    ``RANDOM_FEATURES`` when no tagger was given.
    """
    if setup.tagger is None:
        log.warning("no --tagger given: the %s keeps random (frozen) features", role)
        return RANDOM_FEATURES
    loaded = load_model(setup.tagger, vocabulary=setup.vocabulary)
    if loaded.manifest.architecture != architecture:
        raise ColorizerError(
            f"{setup.tagger}: a {loaded.manifest.architecture} model, but the "
            f"{role} needs a {architecture} one"
        )
    if loaded.manifest.config != target.config:
        raise ColorizerError(
            f"{setup.tagger}: its config differs from the {role} at config "
            f"{setup.config!r} (train the tagger at the same config)"
        )
    target.load_state_dict(loaded.module.state_dict())
    log.info("%s loaded from %s", role, setup.tagger)
    return f"{setup.tagger.name} (sha256 {loaded.manifest.sha256})"


def uses_shared_tagger(setup: RecipeSetup) -> bool:
    """Whether ``--tagger`` names the shared tagger rather than a paper's own feature net."""
    return setup.tagger is not None and read_manifest(setup.tagger).architecture == SHARED_TAGGER


def load_shared(
    setup: RecipeSetup, role: str, stage: int = FEATURE_STAGE
) -> tuple[TaggerFeatures, str]:
    """The shared tagger of ``setup.tagger``, frozen and read at ``stage``, as ``role``, and what
    the exports record about it (``load_frozen``)."""
    vocabulary = setup.vocabulary
    config = reference.configs(len(vocabulary.cvt), len(vocabulary.cit))["tagger"][setup.config]
    features = TaggerFeatures(config, stage)
    return features, load_frozen(features.tagger, setup, SHARED_TAGGER, role)
