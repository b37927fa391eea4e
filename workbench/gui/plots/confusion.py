"""Confusion matrix (heatmap with counts) and per-class accuracy bars."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

BLUES = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (8, 81, 156)])
MAX_LABELLED = 20  # classes beyond this get no count text (it would be unreadable)


class ConfusionView(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        self.setBackground("w")
        self.matrix_plot = self.addPlot(row=0, col=0)
        self.bars_plot = self.addPlot(row=0, col=1)
        self.ci.layout.setColumnStretchFactor(0, 3)
        self.ci.layout.setColumnStretchFactor(1, 2)
        self.image = pg.ImageItem()
        self.image.setColorMap(BLUES)
        self.matrix_plot.addItem(self.image)
        self.matrix_plot.getViewBox().invertY(True)
        self.matrix_plot.getViewBox().setAspectLocked(True)
        self.matrix_plot.setLabel("bottom", "predicted class")
        self.matrix_plot.setLabel("left", "true class")
        self.matrix_plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brush="#0072B2")
        self.bars_plot.addItem(self.bars)
        self.bars_plot.getViewBox().invertY(True)
        self.bars_plot.setXRange(0, 1, padding=0.02)
        self.bars_plot.setLabel("bottom", "accuracy")
        self.bars_plot.setTitle("Per-class accuracy", color="#222", size="10pt")
        self.bars_plot.setMouseEnabled(x=False, y=False)
        for plot in (self.matrix_plot, self.bars_plot):
            plot.setMenuEnabled(False)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setTextPen("#333")
                plot.getAxis(axis).setPen("#888")
        self.texts: list[pg.TextItem] = []
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self._n = -1

    def set_view(self, view: Any) -> None:
        """A ``ClassificationView``: rows are true classes, columns predicted ones."""
        cm = np.asarray(view.confusion)
        n = cm.shape[0]
        self.counts = cm
        row_share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)  # colour = share of the row
        self.image.setImage(row_share.T.astype(np.float32), levels=(0.0, 1.0))  # image is [x, y]
        self.image.setRect(-0.5, -0.5, n, n)
        names = list(view.class_names) or [str(i) for i in range(n)]
        if n != self._n:
            self._n = n
            for t in self.texts:
                self.matrix_plot.removeItem(t)
            self.texts = []
            if n <= MAX_LABELLED:
                for i in range(n * n):
                    text = pg.TextItem(anchor=(0.5, 0.5))
                    text.setPos(i % n, i // n)
                    self.matrix_plot.addItem(text)
                    self.texts.append(text)
            ticks = [list(enumerate(_short(names)))] if n <= MAX_LABELLED else None
            for plot, axis in (
                (self.matrix_plot, "bottom"),
                (self.matrix_plot, "left"),
                (self.bars_plot, "left"),
            ):
                plot.getAxis(axis).setTicks(ticks)
            self.matrix_plot.setRange(xRange=(-0.5, n - 0.5), yRange=(-0.5, n - 0.5), padding=0)
            self.bars_plot.setYRange(-0.5, n - 0.5, padding=0)
        for i, text in enumerate(self.texts):
            r, c = divmod(i, n)
            text.setText(str(int(cm[r, c])), color="#fff" if row_share[r, c] > 0.55 else "#222")
        acc = np.nan_to_num(np.asarray(view.per_class_accuracy, dtype=np.float64))
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n), width=acc, height=0.7)
        self.matrix_plot.setTitle("Confusion matrix", color="#222", size="10pt")


def _short(names: list[str], width: int = 10) -> list[str]:
    return [n if len(n) <= width else n[: width - 1] + "…" for n in names]
