"""The colorizers the scoreboard scores: oracles, model files and training recipes.

Model files are measured two ways (issue: quality of the default model):

- ``direct``: the generator alone at the evaluation size (the model's working resolution);
- ``engine``: through the app's Engine — normalization, working-size resize and padding,
  region-guided upsampling to the drawing's own size — exactly what an artist gets.

A recipe colorizes through the same ``colorize(batch)`` it is trained with.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from colorizer_app.engine.registry import CATALOGUE_NAME, ModelRegistry
from colorizer_app.engine.request import REGION_CONSISTENCY
from colorizer_app.errors import ColorizerError
from colorizer_app.nets.modelfile import load_model
from colorizer_app.vocabulary import load_vocabulary
from training.data.dataset import image_tensor
from training.evaluation.batch import request_hint_map, request_to_batch
from training.evaluation.request import Colorizer, EvalRequest
from training.recipes.base import Recipe

DIRECT_ARCHITECTURES = ("unified.generator",)


def truth_colorizer(request: EvalRequest) -> np.ndarray:
    """Oracle: the ground truth for the request's conditions (the best any model can do)."""
    if request.truth is None:
        raise ColorizerError("the 'truth' oracle needs ground truth, and this drawing has none")
    return request.truth


def flat_gray_colorizer(request: EvalRequest) -> np.ndarray:
    """Oracle: uniform gray — what "ignores every input" scores."""
    return np.full((*request.sketch.shape, 3), 128, np.uint8)


def flat_fill_colorizer(request: EvalRequest) -> np.ndarray:
    """The flat-fill engine: hinted regions take their hint's color, the rest stays paper."""
    from colorizer_app.engine.flatfill import FlatFill

    return FlatFill()(255 - request.sketch, request.hints).composite[..., :3]


ORACLES: dict[str, Colorizer] = {
    "truth": truth_colorizer,
    "flat-gray": flat_gray_colorizer,
    "flat": flat_fill_colorizer,
}


def resolve_colorizer(spec: str, *, region_consistency: bool = False) -> Colorizer:
    """``truth``, ``flat-gray``, ``flat``, a model file (the generator alone, at the evaluation
    size), or ``engine:MODEL_FILE`` (through the app's engine, as an artist gets it). Region
    consistency stays off unless asked, whatever the app's default (``REGION_CONSISTENCY``): the
    scoreboard scores the model's own colors."""
    if region_consistency and not spec.startswith("engine:"):
        raise ColorizerError(
            f"{REGION_CONSISTENCY.name} is an engine option: use --model engine:MODEL"
        )
    if spec in ORACLES:
        return ORACLES[spec]
    through_engine = spec.startswith("engine:")
    path = Path(spec.removeprefix("engine:"))
    if not path.exists():
        raise ColorizerError(f"--model {spec}: not {', '.join(ORACLES)} and no such file")
    if through_engine:
        return engine_colorizer(path, region_consistency=region_consistency)
    return direct_colorizer(path)


def direct_colorizer(path: Path) -> Colorizer:
    """The unified generator run on the request as it is (no engine pre/post-processing)."""
    vocabulary = load_vocabulary()
    loaded = load_model(path, vocabulary=vocabulary)
    if loaded.manifest.architecture not in DIRECT_ARCHITECTURES:
        raise ColorizerError(
            f"{path}: the scoreboard runs {', '.join(DIRECT_ARCHITECTURES)} "
            f"model files directly, not {loaded.manifest.architecture}; score "
            "paper recipes during training (their runs' eval/ columns)"
        )
    generator = loaded.module.eval()
    region_hints = generator.config.region_hints

    @torch.inference_mode()
    def colorize(request: EvalRequest) -> np.ndarray:
        hint = request_hint_map(request, region_hints)
        cvt = torch.from_numpy(vocabulary.encode_cvt(request.tags))[None]
        reference = None if request.reference is None else image_tensor(request.reference)[None]
        image, _ = generator(
            image_tensor(request.sketch)[None],
            torch.from_numpy(np.ascontiguousarray(hint)).permute(2, 0, 1)[None],
            cvt,
            torch.tensor([bool(request.tags)]),
            reference,
        )
        return ((image[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()

    return colorize


def registry_serving(path: Path) -> tuple[ModelRegistry, str]:
    """A registry that serves ``path``, and the name it serves it under: the folder's catalogue
    where there is one (so a paper model finds its companions), else the folder read as a
    user folder."""
    catalogued = (path.parent / CATALOGUE_NAME).is_file()
    registry = ModelRegistry(
        shipped_dir=path.parent if catalogued else None,
        user_dir=path.parent,
        scan_user=not catalogued,
    )
    served = [e.name for e in registry.entries if e.path == path]
    # the catalogue lists the file under its own name; else the name is the file's stem, and
    # a refused file raises its reason here
    return registry, served[0] if served else registry.entry(path.stem).name


def sketch_rgba(sketch: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8: a (H, W) sketch (255 = paper) as the opaque RGBA drawing the app loads."""
    return np.dstack([np.repeat(sketch[..., None], 3, 2), np.full(sketch.shape, 255, np.uint8)])


def engine_colorizer(path: Path, *, region_consistency: bool = False) -> Colorizer:
    """The model file served by the app's Engine at its own working size; the result is its color
    layer (the line art is not multiplied on top, as the ground truth has none). Region
    consistency stays off unless asked, whatever the app's default (``REGION_CONSISTENCY``): the
    scoreboard scores the model's own colors."""
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.engine.request import ColorizeRequest

    path = Path(path)
    registry, name = registry_serving(path)
    engine = Engine(registry, device="cpu")

    def colorize(request: EvalRequest) -> np.ndarray:
        drawing = sketch_rgba(request.sketch)
        reference = (
            None
            if request.reference is None
            else np.dstack([request.reference, np.full(request.reference.shape[:2], 255, np.uint8)])
        )
        result = engine.colorize(
            ColorizeRequest(
                drawing=drawing,
                hints=request.hints,
                tags=dict(request.tags),
                reference=reference,
                model=name,
                region_consistency=region_consistency,
            )
        )
        return np.ascontiguousarray(result.layers["color"][..., :3])

    return colorize


def recipe_colorizer(recipe: Recipe) -> Colorizer:
    """Wraps a recipe's batch-level ``colorize`` as the scoreboard's one-image colorizer."""

    def colorize(request: EvalRequest) -> np.ndarray:
        batch = request_to_batch(request, recipe)
        with torch.no_grad():
            image = recipe.colorize(batch)[0]  # (3, H, W) in [-1, 1]
        return ((image.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()

    return colorize
