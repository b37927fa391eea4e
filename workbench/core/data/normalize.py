"""Scaling fitted on the training split only, stored so results can be shown in original units.

Stats are plain JSON values: ``{"method", "features": {"names", "center", "scale"},
"targets": {...} | None}``; scaled = (value - center) / scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np

METHODS = ("zscore", "minmax", "none")


_CHUNK = 1 << 20


def _mean_std(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and (population) std in float64, a chunk of rows at a time so a large
    float32 series is never copied whole."""
    n = values.shape[0]
    mean = values.sum(axis=0, dtype=np.float64) / n
    squares = np.zeros(values.shape[1])
    for start in range(0, n, _CHUNK):
        deviation = values[start : start + _CHUNK].astype(np.float64) - mean
        squares += np.einsum("ij,ij->j", deviation, deviation)
    return mean, np.sqrt(squares / n)


def fit_columns(values: np.ndarray, method: str, names: list[str]) -> dict[str, Any] | None:
    """Centre and scale per column of ``values`` [M, C] (only the rows given count)."""
    if method == "none":
        return None
    values = np.asarray(values)
    if values.shape[0] == 0:
        center = np.zeros(values.shape[1])
        scale = np.ones(values.shape[1])
    elif method == "zscore":
        center, scale = _mean_std(values)
    elif method == "minmax":
        center = values.min(axis=0).astype(np.float64)
        scale = values.max(axis=0).astype(np.float64) - center
    else:
        raise ValueError(f"unknown normalization {method!r}")
    # A constant column is left centred but not blown up by a zero scale.
    scale = np.where(np.isfinite(scale) & (scale > 1e-12), scale, 1.0)
    return {"names": list(names), "center": center.tolist(), "scale": scale.tolist()}


def apply_columns(values: np.ndarray, stats: dict[str, Any] | None) -> np.ndarray:
    """Scale the last axis of ``values`` with ``stats`` (float32 result; a new array)."""
    if stats is None:
        return np.asarray(values, dtype=np.float32)
    center = np.asarray(stats["center"], dtype=np.float32)
    if values.dtype == np.float32 and values.ndim == 2 and values.shape[0] > _CHUNK:
        out = np.empty(values.shape, dtype=np.float32)
        scale = np.asarray(stats["scale"], dtype=np.float32)
        for start in range(0, values.shape[0], _CHUNK):  # no full-size temporaries
            np.subtract(values[start : start + _CHUNK], center, out=out[start : start + _CHUNK])
            out[start : start + _CHUNK] /= scale
        return out
    scale = np.asarray(stats["scale"], dtype=np.float32)
    out = np.asarray(values, dtype=np.float32) - center
    out /= scale
    return out


def apply_stacked(values: np.ndarray, stats: dict[str, Any] | None, width: int) -> np.ndarray:
    """Scale [N, K] targets laid out step-major (K = horizon * width)."""
    if stats is None:
        return np.asarray(values, dtype=np.float32)
    n, k = values.shape
    scaled = apply_columns(values.reshape(n, k // width, width), stats)
    return scaled.reshape(n, k)


def make_stats(
    method: str, features: dict[str, Any] | None, targets: dict[str, Any] | None
) -> dict[str, Any] | None:
    if method == "none":
        return None
    return {"method": method, "features": features, "targets": targets}
