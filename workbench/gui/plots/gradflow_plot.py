"""Gradient flow through time: ‖∂L/∂h_t‖ per layer and ‖∂L/∂x_t‖ per block, log y, per epoch.

Each epoch's measurement is overlaid on the earlier ones; older epochs fade, so the eye follows
how the gradient reaching early steps grows (LSTM/GRU) or stays vanishingly small (plain RNN).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from workbench.gui.plots.colors import PALETTE
from workbench.gui.plots.gate_health_plot import layer_label
from workbench.gui.plots.live_plot import LivePlot

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
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.dh, 3)
        layout.addWidget(self.dx, 2)
        self.epochs: list[int] = []  # oldest first
        self._colors: dict[str, str] = {}
        self.ratios: dict[str, float] = {}  # layer label -> ||dL/dh_1|| / ||dL/dh_T|| (newest)

    def clear(self) -> None:
        self.dh.clear_curves()
        self.dx.clear_curves()
        self.epochs.clear()
        self._colors.clear()
        self.ratios.clear()

    def _color(self, key: str) -> str:
        return self._colors.setdefault(key, PALETTE[len(self._colors) % len(PALETTE)])

    def add(self, flow: Any, epoch: int, bidirectional: set[int]) -> None:
        """One gradient-flow measurement (a ``GradFlow``) taken at the end of ``epoch``."""
        if self.epochs and epoch == self.epochs[-1]:
            self._drop(epoch)  # a newer measurement of the same epoch replaces it
        elif self.epochs and epoch < self.epochs[-1]:
            return
        self.epochs.append(epoch)
        while len(self.epochs) > KEEP_EPOCHS:
            self._drop(self.epochs[0])
        self._restyle()
        for lf in flow.layers:
            label = layer_label(
                lf.kind, lf.block, lf.layer, lf.direction, lf.block in bidirectional
            )
            curve = self.dh.add_curve(
                f"{epoch}|{label}", self._color(label), f"{label} (epoch {epoch})", width=2, z=1
            )
            curve.set_data(np.arange(1, lf.dh.size + 1, dtype=np.float64), _positive(lf.dh))
            try:
                self.ratios[label] = lf.ratio_first_last()
            except (IndexError, ZeroDivisionError):
                self.ratios[label] = float("nan")
        for block, norms in sorted(flow.dx.items()):
            label = f"block {block + 1} input"
            curve = self.dx.add_curve(
                f"{epoch}|{label}", self._color(label), f"{label} (epoch {epoch})", width=2, z=1
            )
            curve.set_data(np.arange(1, norms.size + 1, dtype=np.float64), _positive(norms))
        title = "‖∂L/∂h_t‖ through the recurrence"
        if self.ratios:
            shown = ", ".join(f"{k}: {_fmt(v)}" for k, v in list(self.ratios.items())[:3])
            title += f" — ‖∂L/∂h₁‖ / ‖∂L/∂h_T‖ = {shown}"
        self.dh.getPlotItem().setTitle(title, color="#222", size="10pt")

    def _drop(self, epoch: int) -> None:
        for plot in (self.dh, self.dx):
            plot.clear_curves(f"{epoch}|")
        self.epochs.remove(epoch)

    def _restyle(self) -> None:
        """Older epochs: thin, faded, out of the legend (re-added without a name)."""
        newest = len(self.epochs) - 1
        for plot in (self.dh, self.dx):
            for key in list(plot.curves):
                epoch = int(key.split("|", 1)[0])
                if epoch == self.epochs[-1]:
                    continue
                age = newest - self.epochs.index(epoch)
                old = plot.curves[key]
                x, y = old.series.x.copy(), old.series.y.copy()
                label = key.split("|", 1)[1]
                color = pg.mkColor(self._color(label))
                plot.remove_curve(key)
                alpha = int(255 * FADE**age)
                plot.add_curve(key, color.name(), None, width=1, z=-age, alpha=alpha).set_data(x, y)

    def refresh(self) -> None:
        self.dh.refresh()
        self.dx.refresh()


def _positive(values: np.ndarray) -> np.ndarray:
    """Log axes cannot show 0: an exact zero gradient becomes a gap, not -inf."""
    v = np.asarray(values, dtype=np.float64).copy()
    v[~(v > 0)] = np.nan
    return v


def _fmt(value: float) -> str:
    return f"{value:.1e}" if np.isfinite(value) else "n/a"
