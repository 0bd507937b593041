"""Which device and how many threads the models run on: CUDA → MPS → CPU unless overridden."""

from __future__ import annotations

import os

import torch

from colorizer_app.errors import ColorizerError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available_devices() -> list[str]:
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.insert(0, "cuda")
    if _mps_available():
        devices.insert(0, "mps")
    return devices


def pick_device(name: str = "auto") -> torch.device:
    """The device called ``name``; "auto" prefers CUDA, then Apple's MPS, then the CPU."""
    if name not in DEVICE_CHOICES:
        raise ColorizerError(f"unknown device {name!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    if name == "auto":
        name = available_devices()[0]
    if name == "cuda" and not torch.cuda.is_available():
        raise ColorizerError("device 'cuda' was asked for, but no CUDA GPU is available")
    if name == "mps" and not _mps_available():
        raise ColorizerError("device 'mps' was asked for, but Apple's MPS is not available")
    return torch.device(name)


def default_threads() -> int:
    """All cores but one, so the window stays responsive while a CPU model runs."""
    return max(1, (os.cpu_count() or 2) - 1)


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """Half precision on GPUs (bf16 where supported), full precision on the CPU."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return None
