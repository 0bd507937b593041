"""Any drawing → one ink map, whatever the way its lines were stored.

The ink map is (H, W) uint8 with **255 = full ink, 0 = paper**; values between are kept, so
anti-aliased and pencil lines stay soft. The same drawing gives the same map when its lines are
black on white, only in the alpha channel of a transparent PNG, inverted (light on dark),
colored (brown, blue, pink pencil), in a noisy JPEG, or photographed on unevenly lit paper:

1. A mostly transparent image keeps its lines in alpha: ink = alpha, whatever the RGB says.
2. Otherwise the image is composited on white, and its polarity is read from the luminance of
   the border and of the whole image (the paper is the majority, ink the minority); light-on-dark
   drawings are inverted.
3. The paper color is estimated per channel with a morphological closing of a reduced copy
   (lines vanish, lighting gradients stay; solid fills much darker than the paper around them
   are re-estimated from that paper) and divided out, so vignettes, shadows and tinted paper
   become flat white.
4. Darkness relative to the paper is taken from the darkest channel, so a pink or blue line is
   as much ink as a gray one of the same depth; hue does not matter.
5. Darkness above the paper's median is scaled so the lines' typical darkness is full ink
   (faint sketchy lines are lifted); values within the paper's noise fade to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

POLARITIES = ("dark-on-light", "light-on-dark", "alpha")

# Alpha carries the lines when at least this share of the pixels is (partly) transparent.
_ALPHA_MAJORITY = 0.5
# Long side of the reduced copy used to estimate the paper, and the closing kernel there: about
# 3.5 % of the image, wider than lines, narrower than lighting changes.
_PAPER_GRID = 256
_PAPER_KERNEL = 9
# An area darker than this share of the paper around it is a solid fill, not a shadow; the
# estimate is refined this many times.
_SOLID_RATIO = 0.85
_PAPER_PASSES = 2
# Darkness (0 = paper, 1 = black) above the paper's median that fades to no ink: 4 sigma of
# the paper's noise, but at least the minimum (JPEG ringing) and at most the maximum (noise that
# strong means a picture, not paper).
_MIN_NOISE_FLOOR = 0.06
_MAX_NOISE_FLOOR = 0.3
# The ramp spans at least this much darkness, so that blank noisy paper is not amplified.
_MIN_RAMP = 0.2


@dataclass(frozen=True)
class LineArt:
    ink: np.ndarray  # (H, W) uint8, 255 = full ink, 0 = paper
    polarity: str  # "dark-on-light" | "light-on-dark" | "alpha"
    coverage: float  # share of pixels with ink >= 128


def normalize_lineart(image: np.ndarray) -> LineArt:
    """The ink map of a drawing given as (H, W, 4) RGBA, (H, W, 3) RGB or (H, W) gray uint8."""
    rgb, alpha = _split(image)
    if alpha is not None and np.mean(alpha < 255) >= _ALPHA_MAJORITY:
        return _lineart(alpha.copy(), "alpha")
    if alpha is not None:
        weight = alpha[..., None].astype(np.float32) / 255.0
        rgb = rgb.astype(np.float32) * weight + 255.0 * (1.0 - weight)
    rgb = rgb.astype(np.float32) / 255.0
    polarity = _polarity(rgb)
    if polarity == "light-on-dark":
        rgb = 1.0 - rgb
    return _lineart(_ink_from_darkness(_darkness(rgb)), polarity)


def sketch_from_ink(ink: np.ndarray) -> np.ndarray:
    """The networks' "sketch" convention (255 = paper, 0 = ink) from an ink map."""
    return 255 - np.asarray(ink, dtype=np.uint8)


def _lineart(ink: np.ndarray, polarity: str) -> LineArt:
    return LineArt(ink=ink, polarity=polarity, coverage=float(np.mean(ink >= 128)))


def _split(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(RGB, alpha or None) from any of the accepted layouts."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {array.dtype}")
    if array.ndim == 2:
        return np.repeat(array[..., None], 3, axis=2), None
    if array.ndim == 3 and array.shape[2] == 3:
        return array, None
    if array.ndim == 3 and array.shape[2] == 4:
        return array[..., :3], array[..., 3]
    raise ValueError(f"expected (H, W), (H, W, 3) or (H, W, 4) pixels, got {array.shape}")


def _polarity(rgb: np.ndarray) -> str:
    """Paper is the majority and usually fills the border, so the border's and the whole
    image's medians sit near the paper's end of the luminance range. Light-on-dark needs them
    clearly nearer the dark end: blank or evenly noisy paper stays dark-on-light."""
    luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    low, high = np.percentile(luma, [0.5, 99.5])
    if high - low < 1e-3:
        return "dark-on-light"
    band = max(2, min(luma.shape) // 50)
    border = np.concatenate(
        [luma[:band].ravel(), luma[-band:].ravel(), luma[:, :band].ravel(), luma[:, -band:].ravel()]
    )
    paper = (np.median(border) + np.median(luma)) / 2.0
    return "light-on-dark" if high - paper > 2.0 * (paper - low) else "dark-on-light"


def _paper(rgb: np.ndarray) -> np.ndarray:
    """Per-channel paper color at every pixel (lines removed, lighting kept), in (0, 1]."""
    height, width = rgb.shape[:2]
    scale = min(1.0, _PAPER_GRID / max(height, width))
    small = cv2.resize(
        rgb,
        (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA,
    )
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_PAPER_KERNEL, _PAPER_KERNEL))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    # Closing keeps solid areas wider than the kernel. Those are much darker than the paper
    # around them, lighting is not: re-estimate them from the surrounding paper alone.
    sigma = max(small.shape[:2]) / 8.0
    brightness = closed.min(axis=2)
    paper_like = np.ones_like(brightness)
    for _ in range(_PAPER_PASSES):
        weight = cv2.GaussianBlur(paper_like, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
        spread = cv2.GaussianBlur(
            closed * paper_like[..., None], (0, 0), sigma, borderType=cv2.BORDER_REPLICATE
        )
        surrounding = spread / np.maximum(weight, 1e-6)[..., None]
        paper_like = (brightness >= _SOLID_RATIO * surrounding.min(axis=2)).astype(np.float32)
    estimate = np.where(paper_like[..., None] > 0, closed, surrounding)
    smooth = cv2.GaussianBlur(
        estimate, (0, 0), _PAPER_KERNEL / 2.0, borderType=cv2.BORDER_REPLICATE
    )
    paper = cv2.resize(smooth, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.maximum(paper, 1.0 / 255.0)


def _darkness(rgb: np.ndarray) -> np.ndarray:
    """0 on the paper, 1 for black: the darkest channel relative to the local paper color."""
    relative = np.clip(rgb / _paper(rgb), 0.0, 1.0)
    return 1.0 - relative.min(axis=2)


def _ink_from_darkness(darkness: np.ndarray) -> np.ndarray:
    """Darkness above the paper's median, scaled so the lines' typical darkness is full ink;
    values within the paper's noise fade to 0 (a soft knee, so anti-aliasing stays smooth)."""
    median = float(np.median(darkness))
    spread = 1.4826 * float(np.median(np.abs(darkness - median)))
    noise = min(max(_MIN_NOISE_FLOOR, 4.0 * spread), _MAX_NOISE_FLOOR)
    marked = darkness[darkness > median + noise]
    typical = float(np.percentile(marked, 90)) - median if marked.size else 1.0
    full = max(typical, noise + _MIN_RAMP)
    level = (darkness - median) / full
    knee = noise / full
    ink = level * np.clip((level - knee) / knee, 0.0, 1.0)
    return np.rint(np.clip(ink, 0.0, 1.0) * 255.0).astype(np.uint8)
