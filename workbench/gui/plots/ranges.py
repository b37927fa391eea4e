"""View ranges for live plots that change in steps, not on every new point.

pyqtgraph's auto-range moves the axes with every new point, so each redraw re-lays out and
repaints both axes (most of a redraw's cost) and clip-to-view never applies. Live plots here
follow the data with ranges snapped to a 1-2-5 grid instead: the x range grows to the next nice
number, the y range moves only when the data crosses a grid line of its own scale.
"""

from __future__ import annotations

import math

import numpy as np


class Bounds:
    """Running min/max of x and y (finite values; for a log axis only positive y)."""

    def __init__(self, log_y: bool = False) -> None:
        self.log_y = log_y
        self.clear()

    def clear(self) -> None:
        self.x0 = self.y0 = math.inf
        self.x1 = self.y1 = -math.inf

    def add(self, x: np.ndarray, y: np.ndarray) -> None:
        ok = np.isfinite(x) & np.isfinite(y)
        if self.log_y:
            ok &= y > 0
        if not ok.any():
            return
        xs, ys = x[ok], y[ok]
        if self.log_y:
            ys = np.log10(ys)
        self.x0, self.x1 = min(self.x0, float(xs.min())), max(self.x1, float(xs.max()))
        self.y0, self.y1 = min(self.y0, float(ys.min())), max(self.y1, float(ys.max()))

    def merge(self, other: Bounds) -> None:
        self.x0, self.x1 = min(self.x0, other.x0), max(self.x1, other.x1)
        self.y0, self.y1 = min(self.y0, other.y0), max(self.y1, other.y1)

    @property
    def empty(self) -> bool:
        return not (self.x0 <= self.x1 and self.y0 <= self.y1)


def nice_step(span: float, divisions: int = 8) -> float:
    """A 1-2-5 step that cuts ``span`` into about ``divisions`` parts."""
    raw = span / divisions
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def nice_ceil(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k that is >= value (value > 0)."""
    mag = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 5, 10):
        if value <= m * mag * (1 + 1e-12):
            return m * mag
    return 10 * mag


def x_range(x0: float, x1: float) -> tuple[float, float]:
    """From the first x to the next nice number past the last (counts: steps, epochs)."""
    if x1 - x0 < 1:
        return x0 - 0.5, x0 + 0.5 if x1 <= x0 else x1 + 0.5
    hi = nice_ceil(x1) if x1 > 0 else x1
    return x0, hi


def y_range(y0: float, y1: float) -> tuple[float, float]:
    """[y0, y1] padded by 3% and widened to its own 1-2-5 grid, so it changes only in steps."""
    span = y1 - y0
    if span <= 1e-12 * max(1.0, abs(y0)):
        pad = abs(y0) * 0.1 or 1.0
        return y0 - pad, y1 + pad
    q = nice_step(span)
    lo, hi = y0 - 0.03 * span, y1 + 0.03 * span
    return math.floor(lo / q) * q, math.ceil(hi / q) * q
