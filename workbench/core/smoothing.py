"""Debiased exponential moving average (as in TensorBoard / Adam's bias correction), vectorised.

ema_t = b * ema_{t-1} + (1 - b) * x_t with ema_0 = 0, shown as ema_t / (1 - b^t) so the first
points are not dragged towards zero. Computed chunk-wise in closed form with NumPy, so smoothing a
million points after the slider moves takes milliseconds rather than a Python loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class EmaState:
    """Carry between calls: the biased EMA after ``count`` values."""

    value: float = 0.0
    count: int = 0


def _chunk_len(beta: float) -> int:
    # Inside a chunk we divide by beta**(k+1); keep that below ~1e150 so float64 stays exact enough.
    if beta <= 0.0:
        return 1 << 16
    return max(1, min(4096, int(150 * math.log(10) / -math.log(beta))))


def debiased_ema(values: np.ndarray, beta: float, state: EmaState | None = None) -> np.ndarray:
    """Smoothed ``values``; ``state`` (updated in place) continues a previous call's series."""
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"smoothing must be in [0, 1) (got {beta})")
    x = np.asarray(values, dtype=np.float64)
    state = state if state is not None else EmaState()
    out = np.empty_like(x)
    if len(x) == 0:
        return out
    if beta == 0.0:
        out[:] = x
        state.value, state.count = float(x[-1]), state.count + len(x)
        return out
    step = _chunk_len(beta)
    carry = state.value
    for start in range(0, len(x), step):
        chunk = x[start : start + step]
        powers = beta ** np.arange(1, len(chunk) + 1, dtype=np.float64)  # b^(k+1)
        biased = powers * (carry + (1.0 - beta) * np.cumsum(chunk / powers))
        out[start : start + len(chunk)] = biased
        carry = float(biased[-1])
    t = state.count + np.arange(1, len(x) + 1, dtype=np.float64)
    out /= -np.expm1(t * math.log(beta))  # 1 - beta**t, accurate for beta near 1
    state.value, state.count = carry, state.count + len(x)
    return out
