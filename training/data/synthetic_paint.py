"""Painting a drawn character: flat part colors, two-tone cel shading, hair highlights, iris detail
and the background.

Shading is derived from the label map alone, so it follows every shape for free: a pixel is in
shadow when the pixel one "shadow depth" away from the light belongs to another part (the far rim
of every part), when hair lies just above skin (the shadow of the bangs) or under the chin. Shadow
and highlight tones keep the part's hue and chroma roughly and change lightness, as cel shading
does, so that a region's median color is its flat color.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from colorizer_app.imaging.color import lab_to_srgb, srgb_to_lab64
from training.data.synthetic_character import (
    PARTS,
    PID,
    TONE_GLOW,
    TONE_PUPIL,
    TONE_SHADOW,
    TONE_SHINE,
    Drawing,
)

# Small parts get no rim shadow: it would cover most of them.
_NO_FORM_SHADOW = [PID[p] for p in ("background", "eyes", "eye_whites", "mouth", "bow", "neckwear")]
_FLAT, _SHADOW, _HIGHLIGHT = 0, 1, 2
_STATES = 3 + 4  # flat, shadow, highlight, then the four iris tones


@dataclass(frozen=True)
class Lighting:
    angle: float  # direction towards the light (radians, image coordinates)
    depth: float  # width of the shadow rim, head units
    darkness: float  # how much darker shadows are (1 = normal)
    background: str  # "white" | "plain" | "gradient"
    gradient_angle: float
    gradient_lift: float  # lightness added at the gradient's far end


def sample_lighting(rng: np.random.Generator, background: str) -> Lighting:
    up = -math.pi / 2
    return Lighting(
        angle=float(up + rng.uniform(-1.6, 1.6)),
        depth=float(rng.uniform(0.04, 0.08)),
        darkness=float(rng.uniform(0.8, 1.3)),
        background=background,
        gradient_angle=float(rng.uniform(0, 2 * math.pi)),
        gradient_lift=float(rng.uniform(12, 30)),
    )


def _neighbor(labels: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """out[y, x] = labels[y + dy, x + dx]; outside the canvas counts as background (0)."""
    h, w = labels.shape
    out = np.zeros_like(labels)
    ys, yd = (slice(dy, h), slice(0, h - dy)) if dy >= 0 else (slice(0, h + dy), slice(-dy, h))
    xs, xd = (slice(dx, w), slice(0, w - dx)) if dx >= 0 else (slice(0, w + dx), slice(-dx, w))
    out[yd, xd] = labels[ys, xs]
    return out


def tone_table(part_colors: dict[str, tuple[int, int, int]], darkness: float) -> np.ndarray:
    """(len(PARTS) * _STATES, 3) uint8: each part's flat, shadow, highlight and iris tones."""
    table = np.zeros((_STATES, len(PARTS), 3), np.uint8)
    names = [p for p in PARTS if p in part_colors]
    lab = srgb_to_lab64(np.array([part_colors[p] for p in names], np.float64))
    L, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
    drop = (9 + 0.16 * L) * darkness
    shadow = np.stack([L - drop, a * 1.06 + 2.0, b * 1.06 - 5.0], 1)
    light = np.stack([L + (100 - L) * 0.4, a * 0.85, b * 0.85], 1)
    iris_dark = np.stack([L * 0.6, a * 1.05, b * 1.05], 1)
    pupil = np.stack([L * 0.3, a * 0.7, b * 0.7], 1)
    glow = np.stack([L + (100 - L) * 0.3, a * 1.1, b * 1.1], 1)
    ids = [PID[p] for p in names]
    table[_FLAT, ids] = [part_colors[p] for p in names]
    table[_SHADOW, ids] = lab_to_srgb(shadow)
    table[_HIGHLIGHT, ids] = lab_to_srgb(light)
    table[3 + TONE_SHADOW - 1, ids] = lab_to_srgb(iris_dark)
    table[3 + TONE_PUPIL - 1, ids] = lab_to_srgb(pupil)
    table[3 + TONE_SHINE - 1, ids] = 255
    table[3 + TONE_GLOW - 1, ids] = lab_to_srgb(glow)
    return table.reshape(-1, 3)


def shade_states(d: Drawing, light: Lighting) -> np.ndarray:
    """Per-pixel tone state (0 flat, 1 shadow, 2 highlight, 3.. iris tones), uint8."""
    labels = d.labels
    depth = max(1.0, light.depth * d.scale)
    dx, dy = int(round(-math.cos(light.angle) * depth)), int(round(-math.sin(light.angle) * depth))
    shadable = np.ones(len(PARTS) + 1, bool)
    shadable[_NO_FORM_SHADOW] = False
    shadow = (_neighbor(labels, dx, dy) != labels) & shadable[labels]
    skin = labels == PID["skin"]
    bangs = int(round(0.07 * d.scale)) + 1
    shadow |= skin & (_neighbor(labels, 0, -bangs) == PID["hair"])
    shadow |= skin & (d.shadow == 1)
    whites = labels == PID["eye_whites"]
    lid = int(round(0.035 * d.scale)) + 1
    shadow |= whites & (_neighbor(labels, 0, -lid) != PID["eye_whites"])
    states = shadow.astype(np.uint8)
    states[(d.highlight == 1) & (labels == PID["hair"]) & ~shadow] = _HIGHLIGHT
    iris = (labels == PID["eyes"]) & (d.tones > 0)
    states[iris] = 2 + d.tones[iris]
    return states


def background(size: int, rgb: tuple[int, int, int], light: Lighting) -> np.ndarray:
    """The background layer: the flat color, or a gradient starting from it."""
    if light.background != "gradient":
        return np.broadcast_to(np.array(rgb, np.uint8), (size, size, 3))
    ramp = np.linspace(-0.5, 1.0, 32)
    lab = srgb_to_lab64(np.array(rgb, np.float64))
    steps = np.stack(
        [
            np.clip(lab[0] + light.gradient_lift * np.clip(ramp, 0, 1), 0, 100),
            np.full_like(ramp, lab[1]) * (1 - 0.4 * np.clip(ramp, 0, 1)),
            np.full_like(ramp, lab[2]) * (1 - 0.4 * np.clip(ramp, 0, 1)),
        ],
        1,
    )
    palette = lab_to_srgb(steps)
    axis = np.linspace(-0.5, 0.5, 64, dtype=np.float32)  # smooth: computed small, then upsampled
    angle = light.gradient_angle
    t = axis[None, :] * math.cos(angle) + axis[:, None] * math.sin(angle)
    index = np.clip(((t + 0.71) / 1.42 * 31).astype(np.int32), 0, 31)
    return cv2.resize(palette[index], (size, size), interpolation=cv2.INTER_LINEAR)


def paint(d: Drawing, part_colors: dict[str, tuple[int, int, int]], light: Lighting) -> np.ndarray:
    """The color illustration on the drawing's canvas, (S, S, 3) uint8 (no line art on it)."""
    table = tone_table(part_colors, light.darkness)
    code = shade_states(d, light) * len(PARTS) + d.labels  # < 256: one uint8 lookup
    lut = np.zeros((256, 1, 3), np.uint8)
    lut[: len(table), 0] = table
    image = cv2.LUT(cv2.merge([code, code, code]), lut)
    if light.background == "gradient":
        bg = d.labels == PID["background"]
        gradient = background(d.labels.shape[0], part_colors["background"], light)
        np.copyto(image, gradient, where=bg[..., None])
    return image


def flat(regions: np.ndarray, part_colors: dict[str, tuple[int, int, int]]) -> np.ndarray:
    """The unshaded illustration of a region map: every part in its flat color (what tags
    promise)."""
    return tone_table(part_colors, 1.0)[regions.astype(np.int32)]
