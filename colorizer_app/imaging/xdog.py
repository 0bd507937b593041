"""XDoG line extraction and the papers' sketch-appearance augmentations.

XDoG (Winnemöller et al. 2012) turns a color illustration into line art: the difference of two
Gaussians ``D = G_σ(I) − τ·G_{κσ}(I)`` is negative just on the dark side of edges and on thin dark
lines, and the soft threshold ``T = 1 if D ≥ ε else 1 + tanh(φ·(D − ε))`` maps that to ink. Here
``I`` is the grayscale image in 0..255, so ε is in those units. Ci et al. and Tag2Pix train on XDoG
sketches with the parameters below; the two augmentations make lines fainter the ways the papers
describe, so that light pencil drawings are not a surprise.
"""

from __future__ import annotations

import cv2
import numpy as np


def _gray(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    if image.ndim == 3:
        image = cv2.cvtColor(np.ascontiguousarray(image, dtype=np.uint8), cv2.COLOR_RGB2GRAY)
    return image.astype(np.float32)


def xdog(
    gray_or_rgb: np.ndarray, sigma: float, k: float, gamma: float, epsilon: float, phi: float
) -> np.ndarray:
    """XDoG of an (H, W) or (H, W, 3) uint8 image → (H, W) uint8 sketch (255 paper, 0 ink).

    ``gamma`` is the papers' τ (weight of the wide Gaussian), ``k`` their κ (ratio of the two
    widths), ``epsilon`` the threshold in 0..255 gray units, ``phi`` the sharpness (≥ 1e6: a
    step).
    """
    image = _gray(gray_or_rgb)
    narrow = cv2.GaussianBlur(image, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    wide = cv2.GaussianBlur(image, (0, 0), sigma * k, borderType=cv2.BORDER_REPLICATE)
    diff = narrow - gamma * wide
    soft = 1.0 + np.tanh(np.clip(phi * (diff - epsilon), -50.0, 0.0))
    paper = np.where(diff >= epsilon, 1.0, soft)
    return np.round(paper * 255.0).astype(np.uint8)


def xdog_ci(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ci et al. (2018) §4: φ = 1e9 (a step at the line border), σ ∈ {0.3, 0.4, 0.5} for three line
    widths, τ = 0.95, κ = 4.5. The paper gives no ε; ε = 0 marks exactly the pixels darker than
    their surround (flat dark areas such as black hair stay paper, as in the paper's Figure 5)."""
    sigma = float(rng.choice([0.3, 0.4, 0.5]))
    return xdog(image, sigma=sigma, k=4.5, gamma=0.95, epsilon=0.0, phi=1e9)


def xdog_tag2pix(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Tag2Pix's XDoG setting: σ ~ U(0.35, 0.45), κ ~ U(2, 3), τ = 0.95, ε = −0.5 (gray units).

    No φ is stated; φ = 1 per gray unit keeps a one-to-two-unit soft edge, i.e. antialiased lines.
    """
    return xdog(
        image,
        sigma=float(rng.uniform(0.35, 0.45)),
        k=float(rng.uniform(2.0, 3.0)),
        gamma=0.95,
        epsilon=-0.5,
        phi=1.0,
    )


def sketch_intensity_ci(sketch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ci et al.'s sketch intensity augmentation x̂ = 1 − λ(1 − x), λ ~ U(0.7, 1) (x: 1 = paper)."""
    lam = rng.uniform(0.7, 1.0)
    x = np.asarray(sketch, dtype=np.float32) / 255.0
    return np.round((1.0 - lam * (1.0 - x)) * 255.0).astype(np.uint8)


def sketch_brightness_tag2pix(
    sketch: np.ndarray, rng: np.random.Generator, factor_range: tuple[float, float] = (1.0, 7.0)
) -> np.ndarray:
    """Tag2Pix §4.4's brightness adjustment: brightness scaled by b ~ U(1, 7).

    Read as making the *ink* b times weaker, x̂ = 1 − (1 − x)/b: a plain multiply of a white-paper
    sketch would leave pure black lines untouched, whereas the paper says the adjustment weakens
    "the thickness and strength of the black lines" to prepare for extremely faint sketches.
    """
    b = rng.uniform(*factor_range)
    x = np.asarray(sketch, dtype=np.float32) / 255.0
    return np.round((1.0 - (1.0 - x) / b) * 255.0).astype(np.uint8)
