"""Gradient flow through time: ‖∂L/∂h_t‖ per layer and ‖∂L/∂x_t‖ per block, log y, per epoch.

Each epoch's measurement is overlaid on the earlier ones; older epochs fade, so the eye follows
how the gradient reaching early steps grows (LSTM/GRU) or stays vanishingly small (plain RNN).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.gui.plots.colors import PALETTE
from workbench.gui.plots.gate_health_plot import layer_label
from workbench.gui.plots.live_plot import LivePlot

WAITING = "Gradient flow through time is measured on the probe at the end of each epoch."
KEEP_EPOCHS = 6  # epochs overlaid; older ones are dropped
FADE = 0.55  # alpha factor per epoch of age


class GradFlowPlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dh = LivePlot(
            "‖∂L/∂h_t‖ through the recurrence", "time step t", "gradient norm", log_y=True
        )
        self.dx = LivePlot(
            "‖∂L/∂x_t‖ at each block's input", "time step t", "gradient norm", log_y=True
        )
        for plot in (self.dh, self.dx):  # "3·10² (x0.001)" on a log axis only confuses
            plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        self.caption = QLabel(WAITING)
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #444;")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.dh, 3)
        row.addWidget(self.dx, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addLayout(row, 1)
        self.epochs: list[int] = []  # oldest first
        self._data: dict[int, tuple[list, list]] = {}  # epoch -> (dh rows, dx rows)
        self._colors: dict[str, str] = {}
        self.ratios: dict[str, float] = {}  # layer label -> ||dL/dh_1|| / ||dL/dh_T|| (newest)

    def clear(self) -> None:
        self.dh.clear_curves()
        self.dx.clear_curves()
        self.epochs.clear()
        self._data.clear()
        self._colors.clear()
        self.ratios.clear()
        self.caption.setText(WAITING)

    def _color(self, key: str) -> str:
        return self._colors.setdefault(key, PALETTE[len(self._colors) % len(PALETTE)])

    def add(self, flow: Any, epoch: int, bidirectional: set[int]) -> None:
        """One gradient-flow measurement (a ``GradFlow``) taken at the end of ``epoch``; a newer
        measurement of the same epoch replaces it. Epochs may arrive in any order."""
        dh = []
        for lf in flow.layers:
            label = layer_label(
                lf.kind, lf.block, lf.layer, lf.direction, lf.block in bidirectional
            )
            try:
                ratio = lf.ratio_first_last()
            except (IndexError, ZeroDivisionError):
                ratio = float("nan")
            dh.append((label, _positive(lf.dh), ratio))
        dx = [(f"block {b + 1} input", _positive(n)) for b, n in sorted(flow.dx.items())]
        self._data[epoch] = (dh, dx)
        self.epochs = sorted(self._data)[-KEEP_EPOCHS:]
        for old in [e for e in self._data if e not in self.epochs]:
            del self._data[old]
        self._rebuild()

    def _rebuild(self) -> None:
        """All curves again (a few per epoch, at epoch ends only): the newest epoch bold and in
        the legend, older ones thinner and fainter with age."""
        self.dh.clear_curves()
        self.dx.clear_curves()
        newest = self.epochs[-1]
        for age, epoch in enumerate(reversed(self.epochs)):
            dh, dx = self._data[epoch]
            alpha = int(255 * FADE**age)
            width, z = (2, 1) if age == 0 else (1, -age)
            for plot, rows in ((self.dh, dh), (self.dx, dx)):
                for label, y, *_ in rows:
                    name = f"{label} (epoch {epoch})" if epoch == newest else None
                    curve = plot.add_curve(
                        f"{epoch}|{label}", self._color(label), name, width=width, z=z, alpha=alpha
                    )
                    curve.set_data(np.arange(1, y.size + 1, dtype=np.float64), y)
        self.ratios = {label: ratio for label, _, ratio in self._data[newest][0]}
        shown = ", ".join(f"{k} {_fmt(v)}" for k, v in self.ratios.items())
        self.caption.setText(
            f"Epoch {newest}: how much of the loss's gradient reaches the first step, "
            f"‖∂L/∂h₁‖ / ‖∂L/∂h_T‖ = {shown}. Tiny ratios (1e-10 and below) mean the layer "
            "cannot learn from early inputs: it forgets. Older epochs are drawn fainter."
        )

    def refresh(self) -> None:
        for plot in (self.dh, self.dx):
            plot.refresh()
            fit_x(plot)


def fit_x(plot: LivePlot) -> None:
    """Time steps 1…T exactly: these curves do not grow, so no room is left for new points."""
    ends = [c.series.x[-1] for c in plot.curves.values() if len(c)]
    if ends:
        plot.getPlotItem().getViewBox().setXRange(0.5, max(ends) + 0.5, padding=0)


def _positive(values: np.ndarray) -> np.ndarray:
    """Log axes cannot show 0: an exact zero gradient becomes a gap, not -inf."""
    v = np.asarray(values, dtype=np.float64).copy()
    v[~(v > 0)] = np.nan
    return v


def _fmt(value: float) -> str:
    if value == 0:
        return "≈ 0 (below float precision)"
    return f"{value:.1e}" if np.isfinite(value) else "n/a"
