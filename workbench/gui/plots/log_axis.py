"""A value axis whose log-scale ticks never collide.

pyqtgraph labels every mantissa (2…9) of each decade once a log axis has room for a few, so on
a loss axis from 0.04 to 5 the labels 0.05 … 0.09 and 0.5 … 0.9 printed over each other, and it
mixed ``10¹`` with ``0.1``. Here the labelled values are the densest set whose closest pair is
still ``MIN_GAP`` text heights apart, chosen from the axis's real pixel length: every mantissa,
1-2-5, 1-3, every decade, every k-th decade — or, over less than a decade, round values
(0.2, 0.3 … or 0.25, 0.5 …). The other mantissas stay as short unlabelled ticks. Labels read
``0.001`` … ``5000`` and ``1e-6``, ``2e5`` outside that span.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

#: The least distance between two labels, in label heights (vertical axis) or widths.
MIN_GAP = 1.5
_MANTISSAS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 5), (1, 3), (1,))
_MINOR_PX = 3.0  # unlabelled ticks closer than this are left out


def log_ticks(lo: float, hi: float, length_px: float, gap_px: float) -> tuple[list, list]:
    """(labelled, unlabelled) tick positions in log10 units for the view ``lo…hi``
    (log10 units) drawn over ``length_px`` pixels, labels at least ``gap_px`` apart."""
    lo, hi = sorted((lo, hi))
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo <= 0 or length_px <= 0:
        return [], []
    px_per_decade = length_px / (hi - lo)
    labelled: list[float] = []
    for mantissas in _MANTISSAS:
        cycle = [*mantissas, 10]
        closest = min(math.log10(b / a) for a, b in zip(cycle, cycle[1:]))
        if closest * px_per_decade >= gap_px:
            labelled = _decade_ticks(lo, hi, mantissas, 1)
            if len(labelled) >= 2:
                break
    if len(labelled) < 2 and hi - lo >= 1:  # decades too close: every k-th decade
        stride = max(1, math.ceil(gap_px / px_per_decade))
        labelled = _decade_ticks(lo, hi, (1,), stride)
    if len(labelled) < 2:  # less than a decade: round values
        labelled = _round_ticks(lo, hi, px_per_decade, gap_px)
    minor: list[float] = []
    if math.log10(9 / 8) * px_per_decade >= _MINOR_PX:
        taken = set(np.round(labelled, 9))
        minor = [v for v in _decade_ticks(lo, hi, _MANTISSAS[0], 1) if round(v, 9) not in taken]
    return labelled, minor


def _decade_ticks(lo: float, hi: float, mantissas, stride: int) -> list[float]:
    out = []
    for decade in range(math.floor(lo), math.ceil(hi) + 1):
        if decade % stride:
            continue
        for m in mantissas:
            v = decade + math.log10(m)
            if lo - 1e-9 <= v <= hi + 1e-9:
                out.append(v)
    return out


def _round_ticks(lo: float, hi: float, px_per_decade: float, gap_px: float) -> list[float]:
    """Multiples of the finest round step (1, 2, 2.5, 5 × 10ᵏ) whose labels do not collide."""
    v_lo, v_hi = 10**lo, 10**hi
    k = math.floor(math.log10(v_hi - v_lo)) - 2
    for _ in range(6):
        for m in (1, 2, 2.5, 5):
            step = m * 10.0**k
            first = math.ceil(v_lo / step - 1e-9)
            values = [i * step for i in range(first, int(math.floor(v_hi / step + 1e-9)) + 1)]
            values = [v for v in values if v > 0]
            if len(values) < 2:
                continue
            logs = np.log10(values)
            if np.min(np.diff(logs)) * px_per_decade >= gap_px:
                return logs.tolist()
        k += 1
    return [lo, hi]


def format_tick(value: float) -> str:
    """``0.001`` … ``5000`` as decimals, other magnitudes as ``1e-6`` / ``2e5``."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.6g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


class ValueAxis(pg.AxisItem):
    """pyqtgraph's axis, with log-mode ticks from ``log_ticks`` (linear mode unchanged)."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self._labelled: set[float] = set()

    def _gap_px(self) -> float:
        metrics = QFontMetrics(self.style.get("tickFont") or self.font())
        if self.orientation in ("left", "right"):
            return MIN_GAP * metrics.height()
        return MIN_GAP * metrics.horizontalAdvance("0.0005")

    def updateAutoSIPrefix(self) -> None:  # noqa: N802 - pyqtgraph API
        # "100 … 1 (x0.001)" on a log axis only confuses: its labels carry their own magnitude.
        if self.logMode:
            self.autoSIPrefixScale, self.labelUnitPrefix = 1.0, ""
            self._updateLabel()
            return
        super().updateAutoSIPrefix()

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802 - pyqtgraph API
        labelled, minor = log_ticks(minVal, maxVal, size, self._gap_px())
        self._labelled = {round(v, 9) for v in labelled}
        levels = [(None, labelled)]
        if minor:
            levels.append((None, minor))
        return levels

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        return [
            format_tick(10.0**v * scale) if round(v, 9) in self._labelled else "" for v in values
        ]
