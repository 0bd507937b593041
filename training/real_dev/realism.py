"""How far the synthetic data engine is from real drawings, in the project's own tagger.

Two measures on the same features (each image's tagger activations after every stage, averaged
over the image, so any size and aspect counts alike):

- a **Fréchet distance** between the synthetic and the real feature sets, in the principal
  components of their union (``COMPONENTS``: 28 real drawings cannot fill a full covariance);
- the **accuracy of a classifier** that tells them apart (logistic regression on standardized
  features, leave-one-out over a balanced set): 0.5 means indistinguishable, 1.0 that every
  real drawing is told from every synthetic one.

Both for line art (the synthetic sketches against the dev set's line arts, the color
illustrations' through the dev set's XDoG) and for colors (the synthetic illustrations against
the real ones).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from training.evaluation.metrics import frechet_distance

COMPONENTS = 8
_STEPS = 300  # gradient steps of the logistic regression (it converges well before)
_WEIGHT_DECAY = 1e-2


@dataclass(frozen=True)
class Gap:
    """One synthetic-vs-real comparison."""

    frechet: float
    accuracy: float
    synthetic: int
    real: int


def tagger_features(tagger: torch.nn.Module, size: int) -> Callable[[np.ndarray], np.ndarray]:
    """image (H, W) line art, 255 = paper, or (H, W, 3) colors, uint8 → (D,) the image mean of
    every stage's activations of ``tagger`` (a ``ResNetTagger``), the long side at ``size``."""

    def features(image: np.ndarray) -> np.ndarray:
        scale = size / max(image.shape[:2])
        shape = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        resized = cv2.resize(image, shape, interpolation=cv2.INTER_AREA)
        x = torch.from_numpy(np.ascontiguousarray(resized)).float().div(127.5).sub(1.0)
        x = x[None, None] if x.ndim == 2 else x.permute(2, 0, 1)[None]
        x = x.expand(-1, 3, -1, -1)
        pooled = []
        with torch.inference_mode():
            x = tagger.stem(x)
            for stage in tagger.stages:
                x = stage(x)
                pooled.append(x.mean(dim=(2, 3))[0])
        return torch.cat(pooled).numpy().astype(np.float64)

    return features


def gap(synthetic: np.ndarray, real: np.ndarray, seed: int = 0) -> Gap:
    """The Fréchet distance and the classifier's accuracy between (N, D) and (M, D) features."""
    together = np.concatenate([synthetic, real])
    mean, scale = together.mean(axis=0), together.std(axis=0) + 1e-8
    standard = (together - mean) / scale
    _, _, axes = np.linalg.svd(standard - standard.mean(axis=0), full_matrices=False)
    projected = standard @ axes[:COMPONENTS].T
    frechet = frechet_distance(projected[: len(synthetic)], projected[len(synthetic) :])
    return Gap(frechet, _told_apart(synthetic, real, seed), len(synthetic), len(real))


def _told_apart(synthetic: np.ndarray, real: np.ndarray, seed: int) -> float:
    """Leave-one-out accuracy of logistic regression on a balanced set (as many synthetic
    images, drawn at random, as real ones)."""
    rng = np.random.default_rng(seed)
    count = min(len(synthetic), len(real))
    picked = synthetic[rng.choice(len(synthetic), count, replace=False)]
    features = np.concatenate([picked, real[rng.choice(len(real), count, replace=False)]])
    labels = np.concatenate([np.zeros(count), np.ones(count)])
    right = 0
    for held in range(len(features)):
        keep = np.arange(len(features)) != held
        predict = _fit_logistic(features[keep], labels[keep])
        right += int(predict(features[held : held + 1])[0] == labels[held])
    return right / len(features)


def _fit_logistic(
    features: np.ndarray, labels: np.ndarray
) -> Callable[[np.ndarray], Sequence[float]]:
    """A logistic regression on standardized features, fitted by L-BFGS."""
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-8
    x = torch.from_numpy((features - mean) / scale).float()
    y = torch.from_numpy(labels).float()
    weight = torch.zeros(x.shape[1], requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], max_iter=_STEPS)

    def loss() -> torch.Tensor:
        optimizer.zero_grad()
        value = torch.nn.functional.binary_cross_entropy_with_logits(x @ weight + bias, y)
        value = value + _WEIGHT_DECAY * weight.pow(2).sum()
        value.backward()
        return value

    optimizer.step(loss)

    def predict(new: np.ndarray) -> Sequence[float]:
        z = torch.from_numpy((new - mean) / scale).float()
        with torch.no_grad():
            return (z @ weight + bias > 0).float().tolist()

    return predict
