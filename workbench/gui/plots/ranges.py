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
    """Counts (steps, epochs): from half a unit before the first to the next nice number (or
    just past the last when that is close), so markers at the ends are not cut."""
    if x1 - x0 < 1:
        return x0 - 0.5, x1 + 0.5
    hi = nice_ceil(x1) if x1 > 0 else x1
    if x1 - x0 < 20:  # a few epochs: no empty space to the right
        hi = x1
    pad = max(0.5, 0.01 * (hi - x0))
    return x0 - pad, hi + pad


def y_range(y0: float, y1: float, non_negative: bool = False) -> tuple[float, float]:
    """[y0, y1] padded by 3% and widened to a fine 1-2-5 grid of its own span, so it changes
    only in steps; ``non_negative`` data (losses) never gets a range below zero."""
    span = y1 - y0
    if span <= 1e-12 * max(1.0, abs(y0)):
        pad = abs(y0) * 0.1 or 1.0
        lo, hi = y0 - pad, y1 + pad
    else:
        q = nice_step(span, 20)
        lo = math.floor((y0 - 0.03 * span) / q) * q
        hi = math.ceil((y1 + 0.03 * span) / q) * q
    if non_negative and lo < 0 <= y0:
        lo = 0.0 if y0 > 0 or hi <= 0 else -0.03 * (hi - lo)
    return lo, hi


def growing_x_range(x0: float, x1: float, planned: float | None = None) -> tuple[float, float]:
    """Counts of a run in progress: the data plus about a quarter more, snapped to a 1-2-5
    number so the axis grows in steps (never the whole planned run: its start would be a
    sliver); it stops at ``planned``, the run's end, when that is known."""
    lo, hi = x_range(x0, x1)
    if x1 - x0 >= 1:
        hi = _fine_ceil(x1 * 1.25) if x1 > 0 else hi
        if planned and x1 <= planned:
            hi = min(hi, planned)
        hi += max(0.5, 0.01 * (hi - x0))
    return lo, hi


def _fine_ceil(value: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is >= value (value > 0)."""
    mag = 10 ** math.floor(math.log10(value))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= m * mag * (1 + 1e-12):
            return m * mag
    return 10 * mag
