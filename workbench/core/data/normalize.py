"""Scaling fitted on the training split only, stored so results can be shown in original units.

Stats are plain JSON values: ``{"method", "features": {"names", "center", "scale"},
"targets": {...} | None}``; scaled = (value - center) / scale.
"""

from __future__ import annotations

import numpy as np

METHODS = ("zscore", "minmax", "none")


def fit_columns(values: np.ndarray, method: str, names: list[str]) -> dict | None:
    """Centre and scale per column of ``values`` [M, C] (only the rows given count)."""
    if method == "none":
        return None
    values = np.asarray(values, dtype=np.float64)
    if values.shape[0] == 0:
        center = np.zeros(values.shape[1])
        scale = np.ones(values.shape[1])
    elif method == "zscore":
        center = values.mean(axis=0)
        scale = values.std(axis=0)
    elif method == "minmax":
        center = values.min(axis=0)
        scale = values.max(axis=0) - center
    else:
        raise ValueError(f"unknown normalization {method!r}")
    # A constant column is left centred but not blown up by a zero scale.
    scale = np.where(np.isfinite(scale) & (scale > 1e-12), scale, 1.0)
    return {"names": list(names), "center": center.tolist(), "scale": scale.tolist()}


def apply_columns(values: np.ndarray, stats: dict | None) -> np.ndarray:
    """Scale the last axis of ``values`` with ``stats`` (float32 result; a new array)."""
    if stats is None:
        return np.asarray(values, dtype=np.float32)
    center = np.asarray(stats["center"], dtype=np.float32)
    scale = np.asarray(stats["scale"], dtype=np.float32)
    out = np.asarray(values, dtype=np.float32) - center
    out /= scale
    return out


def apply_stacked(values: np.ndarray, stats: dict | None, width: int) -> np.ndarray:
    """Scale [N, K] targets laid out step-major (K = horizon * width)."""
    if stats is None:
        return np.asarray(values, dtype=np.float32)
    n, k = values.shape
    scaled = apply_columns(values.reshape(n, k // width, width), stats)
    return scaled.reshape(n, k)


def make_stats(method: str, features: dict | None, targets: dict | None) -> dict | None:
    if method == "none":
        return None
    return {"method": method, "features": features, "targets": targets}
