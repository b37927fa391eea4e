"""Confusion matrix (heatmap with counts) and per-class accuracy bars."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

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
            rows, columns = tick_labels(names)
            labelled = n <= MAX_LABELLED
            self.matrix_plot.getAxis("bottom").setTicks(
                [list(enumerate(columns))] if labelled else None
            )
            for plot in (self.matrix_plot, self.bars_plot):
                plot.getAxis("left").setTicks([list(enumerate(rows))] if labelled else None)
            # The left axis as wide as its longest label, so the axis title does not run into
            # them (pyqtgraph sized it for shorter labels: "true class" over "class 4").
            left = self.matrix_plot.getAxis("left")
            metrics = QFontMetrics(left.style.get("tickFont") or left.font())
            widest = max((metrics.horizontalAdvance(r) for r in rows), default=0)
            left.setWidth(widest + 34)
            self.matrix_plot.setRange(xRange=(-0.5, n - 0.5), yRange=(-0.5, n - 0.5), padding=0)
            self.bars_plot.setYRange(-0.5, n - 0.5, padding=0)
        for i, text in enumerate(self.texts):
            r, c = divmod(i, n)
            text.setText(str(int(cm[r, c])), color="#fff" if row_share[r, c] > 0.55 else "#222")
        acc = np.nan_to_num(np.asarray(view.per_class_accuracy, dtype=np.float64))
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n), width=acc, height=0.7)
        self.matrix_plot.setTitle("Confusion matrix", color="#222", size="10pt")


def tick_labels(names: list[str]) -> tuple[list[str], list[str]]:
    """Labels for the rows (true classes) and the narrower columns (predicted classes).

    A prefix every name shares ("class 0" … "class 9") is dropped from the columns. Columns
    whose names do not fit a column's width are numbered instead, and the rows carry the same
    numbers ("2 walking upstairs"), so neighbouring labels never touch or read alike."""
    prefix = os.path.commonprefix(names) if len(names) > 1 else ""
    prefix = prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""  # whole words only
    columns = [name[len(prefix) :] for name in names] if prefix else list(names)
    if not all(columns):  # a name that is only the prefix: keep the names whole
        columns = list(names)
    if all(len(c) <= max(3, 48 // max(len(names), 1)) for c in columns):
        return _short(names, 14), columns
    numbers = [str(i + 1) for i in range(len(names))]
    return _short([f"{k} {name}" for k, name in zip(numbers, names, strict=True)], 16), numbers


def _short(names: list[str], width: int) -> list[str]:
    return [n if len(n) <= width else n[: width - 1] + "…" for n in names]
