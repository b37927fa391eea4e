"""Units × time heatmap of one recurrent layer, time-aligned with the probe's input above it.

One reused ``ImageItem`` (``setImage`` per snapshot) with a fixed, labelled colour scale: diverging
for tanh-valued quantities in [-1, 1], sequential for sigmoid gates in [0, 1]. Padded steps arrive
as NaN, which ``ImageItem`` draws transparent: the plot's neutral grey background shows through,
so padding never looks like activity.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal

from workbench.gui.plots.colors import PALETTE

DIVERGING = pg.colormap.get("CET-D1")  # blue – white – red, zero is white
SEQUENTIAL = pg.colormap.get("viridis")
PADDING = "#d4d4d4"  # neutral grey behind NaN (padding) pixels
AXIS_WIDTH = 52  # both plots get the same left axis width, so their time axes line up
MAX_INPUT_CURVES = 8


@dataclass(frozen=True)
class ColorScale:
    """A colour map with fixed levels and a label for the colour bar."""

    cmap: pg.ColorMap
    lo: float
    hi: float
    label: str


def tanh_scale(label: str) -> ColorScale:
    return ColorScale(DIVERGING, -1.0, 1.0, f"{label}  (tanh, −1 … 1)")


def sigmoid_scale(label: str) -> ColorScale:
    return ColorScale(SEQUENTIAL, 0.0, 1.0, f"{label}  (sigmoid, 0 … 1)")


def unbounded_scale(label: str, values: np.ndarray, previous: float = 1.0) -> ColorScale:
    """A symmetric diverging scale for an unbounded quantity (LSTM cell state, pre-activations):
    a nice bound that only grows during a run, so colours stay comparable between snapshots."""
    finite = np.abs(values[np.isfinite(values)])
    peak = float(finite.max()) if finite.size else 1.0
    bound = max(previous, _nice_ceiling(peak))
    return ColorScale(DIVERGING, -bound, bound, f"{label}  (−{bound:g} … {bound:g})")


def relu_scale(label: str, values: np.ndarray, previous: float = 1.0) -> ColorScale:
    finite = values[np.isfinite(values)]
    bound = max(previous, _nice_ceiling(float(finite.max()) if finite.size else 1.0))
    return ColorScale(SEQUENTIAL, 0.0, bound, f"{label}  (ReLU, 0 … {bound:g})")


def _nice_ceiling(value: float) -> float:
    for nice in (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 500, 1000):
        if value <= nice:
            return float(nice)
    return float(np.ceil(value))


class ActivationHeatmap(pg.GraphicsLayoutWidget):
    """Input sequence (top) and a units × time heatmap (bottom) on one shared time axis."""

    unit_clicked = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        self.setBackground("w")
        self.input_plot = self.addPlot(row=0, col=0)
        self.heat_plot = self.addPlot(row=1, col=0)
        self.image = pg.ImageItem()
        self.heat_plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            values=(-1, 1), colorMap=DIVERGING, interactive=False, width=14, colorMapMenu=False
        )
        self.colorbar.setImageItem(self.image)
        self.addItem(self.colorbar, row=1, col=1)
        self.input_plot.setXLink(self.heat_plot)
        for plot in (self.input_plot, self.heat_plot):
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            plot.setMenuEnabled(False)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setTextPen("#333")
                plot.getAxis(axis).setPen("#888")
        self.input_plot.setLabel("left", "input")
        self.input_plot.getAxis("bottom").setStyle(showValues=False)
        self.input_plot.setMouseEnabled(x=True, y=False)
        self.heat_plot.setLabel("bottom", "time step")
        self.heat_plot.setLabel("left", "unit")
        self.heat_plot.getViewBox().setBackgroundColor(PADDING)
        self.heat_plot.getViewBox().invertY(True)  # unit 0 at the top, like a table
        self.heat_plot.scene().sigMouseClicked.connect(self._on_click)
        self.unit_line = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#111", width=1))
        self.unit_line.setZValue(10)
        self.unit_line.hide()
        self.heat_plot.addItem(self.unit_line)
        self._curves: list[pg.PlotDataItem] = []
        self._names: list[str] = []
        self.ci.layout.setRowStretchFactor(0, 1)
        self.ci.layout.setRowStretchFactor(1, 3)
        self._shape: tuple[int, int] | None = None
        self.scale: ColorScale | None = None

    # ---- data -----------------------------------------------------------------------------
    def set_values(self, values: np.ndarray, scale: ColorScale, title: str = "") -> None:
        """``values`` ``[T, H]`` (NaN on padding) drawn with ``scale``'s fixed levels."""
        values = np.asarray(values, dtype=np.float32)
        steps, units = values.shape
        self.image.setImage(values, autoLevels=False, levels=(scale.lo, scale.hi))
        self.image.setRect(QRectF(0.5, -0.5, steps, units))  # step t centred on x = t (1-based)
        if self.scale != scale:
            self.colorbar.setColorMap(scale.cmap)
            self.colorbar.setLevels((scale.lo, scale.hi))
            self.colorbar.axis.setLabel(scale.label, color="#333")
            self.scale = scale
        self.image.setLevels((scale.lo, scale.hi))
        if self._shape != (steps, units):
            self._shape = (steps, units)
            self.heat_plot.setXRange(0.5, steps + 0.5, padding=0)
            self.heat_plot.setYRange(-0.5, units - 0.5, padding=0)
        self.heat_plot.setTitle(title, color="#222", size="10pt")

    def set_inputs(
        self, inputs: np.ndarray | None, length: int, names: list[str] | None = None
    ) -> None:
        """Numeric inputs ``[T, F]`` as curves above the heatmap (padding not drawn);
        ``None`` (token probes) hides the input row."""
        if inputs is None:
            self.input_plot.hide()
            self.ci.layout.setRowMaximumHeight(0, 0)
            return
        self.input_plot.show()
        self.ci.layout.setRowMaximumHeight(0, 10_000)
        inputs = np.asarray(inputs, dtype=np.float64)
        if inputs.ndim == 1:
            inputs = inputs[:, None]
        steps, feats = inputs.shape
        shown = min(feats, MAX_INPUT_CURVES)
        names = list(names or [])[:shown]
        names += [f"feature {i + 1}" for i in range(len(names), shown)]
        if names != self._names:
            for curve in self._curves:
                self.input_plot.removeItem(curve)
            self._curves = [
                self.input_plot.plot(pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=1))
                for i in range(len(names))
            ]
            self._names = names
        x = np.arange(1, steps + 1, dtype=np.float64)
        for i, curve in enumerate(self._curves):
            y = inputs[:, i].copy()
            y[length:] = np.nan
            curve.setData(x, y, connect="finite")
        # The legend is the title, in the curves' colours: it never covers a curve.
        keys = "&nbsp;&nbsp;".join(
            f'<span style="color:{PALETTE[i % len(PALETTE)]}">━ {html.escape(n)}</span>'
            for i, n in enumerate(names)
        )
        more = "" if feats <= shown else f" (first {shown} of {feats} features)"
        self.input_plot.setTitle(f"input{more}:&nbsp;&nbsp;{keys}", color="#555", size="9pt")

    def show_unit(self, unit: int | None) -> None:
        """Mark the unit whose activation colours the text view (None hides the marker)."""
        if unit is None:
            self.unit_line.hide()
        else:
            self.unit_line.setPos(unit)
            self.unit_line.show()

    def image_values(self) -> np.ndarray | None:
        return self.image.image

    def _on_click(self, event) -> None:
        if self._shape is None:
            return
        pos = self.heat_plot.getViewBox().mapSceneToView(event.scenePos())
        unit = int(round(pos.y()))
        if 0 <= unit < self._shape[1] and 0.5 <= pos.x() <= self._shape[0] + 0.5:
            self.unit_clicked.emit(unit)
