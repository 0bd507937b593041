"""sRGB ↔ CIELAB (D65) and the color distances the project measures with.

Every color comparison in the project (tag accuracy, bleeding, slider response, palette design)
happens in CIELAB because its distances follow perceived differences far better than RGB. The
conversion uses the exact sRGB transfer curve (not a 2.2 gamma) and the D65 white point, so that a
palette color survives ``lab_to_srgb(srgb_to_lab(c)) == c`` exactly. All functions are vectorized
over any leading shape ``(..., 3)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import SupportsFloat

import numpy as np

# Linear sRGB → CIE XYZ (D65), IEC 61966-2-1.
RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
XYZ_TO_RGB = np.linalg.inv(RGB_TO_XYZ)
WHITE_D65 = RGB_TO_XYZ.sum(axis=1)  # XYZ of sRGB white, so that white maps to a = b = 0
LAB_EPSILON = 216 / 24389
LAB_KAPPA = 24389 / 27


def _linearize(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _delinearize(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def srgb_to_lab64(rgb: np.ndarray) -> np.ndarray:
    """Like ``srgb_to_lab`` but float64, for exact round trips of single palette colors."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    xyz = _linearize(c) @ RGB_TO_XYZ.T / WHITE_D65
    f = np.where(xyz > LAB_EPSILON, np.cbrt(xyz), (LAB_KAPPA * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..255, uint8 or numeric) of shape (..., 3) → CIELAB float32 (..., 3), L in 0..100."""
    return srgb_to_lab64(rgb).astype(np.float32)


def lab_to_linear_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB → linear sRGB float64, unclipped: values outside [0, 1] are out of gamut."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    xyz = np.where(f**3 > LAB_EPSILON, f**3, (116 * f - 16) / LAB_KAPPA)
    xyz[..., 1] = np.where(lab[..., 0] > LAB_KAPPA * LAB_EPSILON, fy**3, lab[..., 0] / LAB_KAPPA)
    return (xyz * WHITE_D65) @ XYZ_TO_RGB.T


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB (..., 3) → sRGB uint8 (..., 3); out-of-gamut channels are clipped."""
    return np.round(_delinearize(lab_to_linear_rgb(lab)) * 255.0).astype(np.uint8)


def in_gamut(lab: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    """Whether each CIELAB color is inside the sRGB gamut (bool array of shape (...))."""
    rgb = lab_to_linear_rgb(lab)
    return np.all((rgb >= -tolerance) & (rgb <= 1 + tolerance), axis=-1)


def clip_chroma(lab: np.ndarray, steps: int = 24) -> np.ndarray:
    """Bring CIELAB colors into the sRGB gamut by lowering chroma only (L and hue kept).

    Per-channel clipping would shift the hue of a strongly saturated color; reducing chroma along
    the hue line is what "more of this color, as far as the screen can show" means.
    """
    lab = np.asarray(lab, dtype=np.float64)
    lab = np.concatenate([np.clip(lab[..., :1], 0.0, 100.0), lab[..., 1:]], axis=-1)
    lo = np.zeros(lab.shape[:-1])
    hi = np.ones(lab.shape[:-1])
    ok = in_gamut(lab)
    for _ in range(steps):  # bisection on the chroma scale where the color is out of gamut
        mid = (lo + hi) / 2
        trial = np.concatenate([lab[..., :1], lab[..., 1:] * mid[..., None]], axis=-1)
        inside = in_gamut(trial)
        lo = np.where(inside, mid, lo)
        hi = np.where(inside, hi, mid)
    scale = np.where(ok, 1.0, lo)
    return np.concatenate([lab[..., :1], lab[..., 1:] * scale[..., None]], axis=-1)


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    """'#rrggbb' (or 'rrggbb') → (r, g, b); raises ValueError on anything else."""
    text = value.strip().removeprefix("#")
    if len(text) != 6:
        raise ValueError(f"not a #rrggbb color: {value!r}")
    try:
        number = int(text, 16)
    except ValueError:
        raise ValueError(f"not a #rrggbb color: {value!r}") from None
    return (number >> 16) & 255, (number >> 8) & 255, number & 255


def rgb_to_hex(rgb: Iterable[SupportsFloat]) -> str:
    """(r, g, b) with 0..255 components → '#rrggbb'."""
    r, g, b = (int(np.clip(round(float(v)), 0, 255)) for v in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def chroma(lab: np.ndarray) -> np.ndarray:
    """CIELAB chroma C*ab = sqrt(a² + b²)."""
    lab = np.asarray(lab, dtype=np.float64)
    return np.hypot(lab[..., 1], lab[..., 2])


def delta_e(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIE76 color difference ΔE*ab (Euclidean distance in CIELAB)."""
    diff = np.asarray(lab1, dtype=np.float64) - np.asarray(lab2, dtype=np.float64)
    return np.sqrt(np.sum(diff * diff, axis=-1))


def delta_chroma_hue(lab1: np.ndarray, lab2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ΔC, ΔH): chroma difference C1 − C2 (signed) and hue difference ΔH*ab (≥ 0).

    Together they measure how far two colors differ *ignoring lightness*, which is what tells
    color bleeding apart from cel shading. ΔE² = ΔL² + ΔC² + ΔH².
    """
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    dc = chroma(lab1) - chroma(lab2)
    da = lab1[..., 1] - lab2[..., 1]
    db = lab1[..., 2] - lab2[..., 2]
    dh = np.sqrt(np.maximum(da * da + db * db - dc * dc, 0.0))
    return dc, dh
