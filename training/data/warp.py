"""Deformations that turn an illustration into a plausible *reference* for it.

Yan et al. build (sketch, reference) pairs by deforming the ground truth so that a network cannot
copy pixels and must match semantics; we do the same with a thin-plate-spline warp (random
displacements of a control grid), a random crop and a mirror.
"""

from __future__ import annotations

import cv2
import numpy as np


def _tps_kernel(r2: np.ndarray) -> np.ndarray:
    return np.where(r2 > 0, 0.5 * r2 * np.log(np.maximum(r2, 1e-12)), 0.0)  # r² log r


def tps_warp(
    image: np.ndarray, rng: np.random.Generator, strength: float = 0.05, grid: int = 4
) -> np.ndarray:
    """Warp ``image`` with a thin-plate spline through a ``grid``² control lattice whose points move
    by N(0, strength·size). Evaluated on a coarse grid and upsampled, so it costs one remap."""
    h, w = image.shape[:2]
    t = np.linspace(0, 1, grid)
    src = np.stack(np.meshgrid(t, t), -1).reshape(-1, 2)
    dst = src + rng.normal(0, strength, src.shape)
    # backward map: for each output point (near dst) where to sample the input (near src)
    n = len(dst)
    K = _tps_kernel(((dst[:, None, :] - dst[None, :, :]) ** 2).sum(-1))
    P = np.concatenate([np.ones((n, 1)), dst], 1)
    A = np.zeros((n + 3, n + 3))
    A[:n, :n], A[:n, n:], A[n:, :n] = K, P, P.T
    coef = np.linalg.solve(A + np.eye(n + 3) * 1e-9, np.concatenate([src, np.zeros((3, 2))]))
    coarse = 33
    axis = np.linspace(0, 1, coarse)
    q = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)
    Kq = _tps_kernel(((q[:, None, :] - dst[None, :, :]) ** 2).sum(-1))
    mapped = Kq @ coef[:n] + np.concatenate([np.ones((len(q), 1)), q], 1) @ coef[n:]
    mapped = mapped.reshape(coarse, coarse, 2).astype(np.float32)
    map_x = cv2.resize(mapped[..., 0] * (w - 1), (w, h), interpolation=cv2.INTER_LINEAR)
    map_y = cv2.resize(mapped[..., 1] * (h - 1), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def crop_flip(image: np.ndarray, rng: np.random.Generator, min_scale: float = 0.75) -> np.ndarray:
    """A random crop (side ≥ ``min_scale`` of the image) resized back, mirrored half the time."""
    h, w = image.shape[:2]
    scale = rng.uniform(min_scale, 1.0)
    ch, cw = int(h * scale), int(w * scale)
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    out = cv2.resize(image[y : y + ch, x : x + cw], (w, h), interpolation=cv2.INTER_LINEAR)
    return out[:, ::-1].copy() if rng.random() < 0.5 else out
