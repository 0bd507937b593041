"""The scoreboard's measures on arrays: colors of regions, bleeding, smudging, reconstruction,
Fréchet distance, stroke adherence.

Bleeding: in each region (connected component of a part's labels, at least ``min_area`` pixels,
eroded by a pixel, line pixels left out, and pixels where the ground truth itself departs from
its region's hue or chroma — pupils, highlights — left out), the share of pixels whose chroma or
hue differs from the region's median by more than ``BLEED_THRESHOLD`` (CIELAB ΔC, ΔH; lightness is
ignored, so cel shading is not bleeding); averaged over regions.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from colorizer_app.imaging.color import delta_chroma_hue, delta_e, srgb_to_lab
from training.data.hints import label_components

BLEED_THRESHOLD = 12.0  # ΔC or ΔH (CIELAB) beyond which a pixel has left its region's color
SMUDGE_THRESHOLD = 12.0  # ΔL* (CIELAB) beyond which a pixel is lighter or darker than its region
INK_LEVEL = 160  # sketch values below this (0 = full ink) are line, not paper


def median_lab(lab: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-channel median CIELAB color of the masked pixels."""
    return np.median(lab[mask], axis=0)


def nearer_than_all(
    color_lab: np.ndarray, target_lab: np.ndarray, competitor_labs: np.ndarray
) -> bool:
    """Whether ``color_lab`` is strictly nearer (ΔE) to the target than to every competitor."""
    if len(competitor_labs) == 0:
        return True
    return bool(delta_e(color_lab, target_lab) < delta_e(color_lab[None], competitor_labs).min())


def paper_mask(sketch: np.ndarray) -> np.ndarray:
    """Pixels that are paper (not line) in a sketch, with a one-pixel margin around lines."""
    ink = (sketch < INK_LEVEL).astype(np.uint8)
    return cv2.dilate(ink, np.ones((3, 3), np.uint8)) == 0


def departures(lab: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Which masked pixels (in mask order) leave the median's chroma or hue by > BLEED_THRESHOLD."""
    pixels = lab[mask]
    dc, dh = delta_chroma_hue(pixels, np.median(pixels, axis=0)[None])
    return (np.abs(dc) > BLEED_THRESHOLD) | (dh > BLEED_THRESHOLD)


def region_bleeding(lab: np.ndarray, mask: np.ndarray) -> float:
    """Share of the masked pixels whose chroma or hue leaves the median's by > BLEED_THRESHOLD."""
    return float(np.mean(departures(lab, mask)))


def region_smudging(lab: np.ndarray, mask: np.ndarray) -> float:
    """Share of the masked pixels whose lightness leaves the median's by > SMUDGE_THRESHOLD.

    Bleeding's counterpart in L*, which bleeding leaves out: gray smudges over a white fill keep
    its hue and chroma, so only this sees them. Shading counts too, so it is a report, not a goal.
    """
    lightness = lab[mask][:, 0]
    return float(np.mean(np.abs(lightness - np.median(lightness)) > SMUDGE_THRESHOLD))


def bleeding(
    output: np.ndarray,
    labels: np.ndarray,
    sketch: np.ndarray,
    min_area: int,
    truth: np.ndarray | None = None,
) -> list[float]:
    """Bleeding of every region (component of ``labels`` of at least ``min_area`` px).

    With ``truth``, pixels where the ground truth itself leaves its region's hue or chroma (iris
    pupils and highlights, gradients: variation by design) are not counted.
    """
    lab = srgb_to_lab(output)
    truth_lab = None if truth is None else srgb_to_lab(truth)
    paper = paper_mask(sketch)
    result = []
    for _label, component in label_components(labels, min_area):
        inner = (
            cv2.erode(component.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & paper
        )
        if truth_lab is not None and inner.any():
            inner[inner] = ~departures(truth_lab, inner)
        if inner.sum() >= min_area // 2:
            result.append(region_bleeding(lab, inner))
    return result


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 images (capped at 100 for identical ones)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse == 0 else min(100.0, 10 * math.log10(255.0**2 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM (Wang et al. 2004: 11-px Gaussian window, σ = 1.5, K = 0.01, 0.03), channel mean."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    a, b = a.astype(np.float64), b.astype(np.float64)
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    scores = []
    for ch in range(a.shape[2]):
        x, y = a[..., ch], b[..., ch]
        mx, my = blur(x), blur(y)
        vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        scores.append(float(s[5:-5, 5:-5].mean()))  # only windows that lie inside the image
    return float(np.mean(scores))


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance of Gaussians fitted to two (N, D) feature sets.

    ‖μa − μb‖² + tr(Ca + Cb − 2 (Ca Cb)^½), with tr (Ca Cb)^½ = tr (Ca^½ Cb Ca^½)^½ computed by
    symmetric eigendecompositions (stable where scipy's sqrtm of a non-symmetric product is not).
    """
    mu_a, mu_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(features_a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(features_b, rowvar=False))
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = root_a @ cov_b @ root_a
    trace_root = float(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum())
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)


def stroke_adherence(
    output: np.ndarray, mask: np.ndarray, stroke_color: tuple[int, int, int], within: float = 20.0
) -> float:
    """Share of the masked pixels within ΔE ``within`` of the stroke color (real drawings)."""
    lab = srgb_to_lab(output[mask])
    return float(np.mean(delta_e(lab, srgb_to_lab(np.array(stroke_color))[None]) <= within))
