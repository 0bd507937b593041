"""CIELAB in torch, for colours a network computes: differentiable, on any device.

docs/architecture.md §3 defines a tag value above 1 in CIELAB (the chroma multiplied, L and hue
kept, lowered back into the sRGB gamut), so the generator needs the same conversion as
``imaging.color`` (exact sRGB transfer curve, D65 white), on tensors. Shapes ``(..., 3)``; sRGB in
[0, 1].
"""

from __future__ import annotations

import torch
from numpy.typing import ArrayLike
from torch import Tensor

from colorizer_app.imaging.color import LAB_EPSILON, LAB_KAPPA, RGB_TO_XYZ, WHITE_D65, XYZ_TO_RGB

GAMUT_STEPS = 16  # bisection steps of the chroma scale: 2⁻¹⁶ of a unit of chroma


def _constant(array: ArrayLike, like: Tensor) -> Tensor:
    return torch.as_tensor(array, dtype=like.dtype, device=like.device)


def srgb_to_lab(rgb: Tensor) -> Tensor:
    """sRGB in [0, 1] → CIELAB (L in 0..100)."""
    c = rgb.clamp(0, 1)
    linear = torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _constant(RGB_TO_XYZ.T, rgb) / _constant(WHITE_D65, rgb)
    # the cube root only where it is taken, so that its gradient at 0 never enters
    f = torch.where(
        xyz > LAB_EPSILON, xyz.clamp(min=LAB_EPSILON) ** (1 / 3), (LAB_KAPPA * xyz + 16) / 116
    )
    return torch.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], dim=-1
    )


def lab_to_linear_rgb(lab: Tensor) -> Tensor:
    """CIELAB → linear sRGB, unclipped: values outside [0, 1] are out of gamut."""
    fy = (lab[..., 0] + 16) / 116
    f = torch.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], dim=-1)
    xyz = torch.where(f**3 > LAB_EPSILON, f**3, (116 * f - 16) / LAB_KAPPA)
    y = torch.where(lab[..., 0] > LAB_KAPPA * LAB_EPSILON, fy**3, lab[..., 0] / LAB_KAPPA)
    xyz = torch.cat([xyz[..., :1], y[..., None], xyz[..., 2:]], dim=-1)
    return (xyz * _constant(WHITE_D65, lab)) @ _constant(XYZ_TO_RGB.T, lab)


def lab_to_srgb(lab: Tensor) -> Tensor:
    """CIELAB → sRGB in [0, 1]; out-of-gamut channels are clipped."""
    c = lab_to_linear_rgb(lab).clamp(0, 1)
    return torch.where(
        c <= 0.0031308, c * 12.92, 1.055 * c.clamp(min=0.0031308) ** (1 / 2.4) - 0.055
    )


def scale_chroma(rgb: Tensor, factor: Tensor) -> Tensor:
    """sRGB colours (..., 3) in [0, 1] with their CIELAB chroma multiplied by ``factor`` (...),
    L and hue kept, then lowered along the hue line into the sRGB gamut: "more of this colour,
    as far as the screen can show" (``imaging.color.clip_chroma``)."""
    lab = srgb_to_lab(rgb)
    vivid = torch.cat([lab[..., :1], lab[..., 1:] * factor[..., None]], dim=-1)
    with torch.no_grad():  # the largest share of the chroma that stays inside the gamut
        low, high = torch.zeros_like(factor), torch.ones_like(factor)
        for _ in range(GAMUT_STEPS):
            middle = (low + high) / 2
            trial = torch.cat([vivid[..., :1], vivid[..., 1:] * middle[..., None]], dim=-1)
            linear = lab_to_linear_rgb(trial)
            inside = ((linear >= -1e-6) & (linear <= 1 + 1e-6)).all(-1)
            low, high = torch.where(inside, middle, low), torch.where(inside, high, middle)
        linear = lab_to_linear_rgb(vivid)
        share = torch.where(
            ((linear >= -1e-6) & (linear <= 1 + 1e-6)).all(-1), torch.ones_like(low), low
        )
    return lab_to_srgb(torch.cat([vivid[..., :1], vivid[..., 1:] * share[..., None]], dim=-1))
