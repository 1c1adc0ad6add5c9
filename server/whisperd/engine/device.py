"""Which device and compute type CTranslate2 runs on, decided once at start."""

from __future__ import annotations

import typing as t

import ctranslate2

Device = t.Literal["cpu", "cuda"]


def resolve_device(device: str) -> Device:
    """``auto`` is CUDA when a CUDA device is visible, else the CPU."""
    if device in ("cpu", "cuda"):
        return t.cast(Device, device)
    try:
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except RuntimeError:
        return "cpu"


def resolve_compute_type(compute_type: str, device: Device) -> str:
    if compute_type != "default":
        return compute_type
    return "float16" if device == "cuda" else "int8"
