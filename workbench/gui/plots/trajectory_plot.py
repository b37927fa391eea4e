"""Hidden-state trajectory: each probe sequence's h_t on PC1/PC2, a path over time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

from workbench.gui.plots.colors import PALETTE


class TrajectoryPlot(pg.PlotWidget):
    """One path per probe sequence (reused items), a circle at t = 1 and a square at its end."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent, background="w")
        item = self.getPlotItem()
        item.setAspectLocked(False)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setTextPen("#333")
            item.getAxis(axis).setPen("#888")
            item.getAxis(axis).enableAutoSIPrefix(False)
        self._legend = item.addLegend(offset=(-8, 8), labelTextSize="8pt", labelTextColor="#222")
        self._legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.paths: list[pg.PlotDataItem] = []
        self.starts = pg.ScatterPlotItem(symbol="o", size=9)
        self.ends = pg.ScatterPlotItem(symbol="s", size=9)
        self.starts.setZValue(5)
        self.ends.setZValue(5)
        item.addItem(self.starts)
        item.addItem(self.ends)
        self.set_labels(np.zeros(2))

    def set_labels(self, explained: np.ndarray, title: str = "") -> None:
        item = self.getPlotItem()
        item.setLabel("bottom", f"PC1 ({100 * explained[0]:.0f}% of variance)")
        item.setLabel("left", f"PC2 ({100 * explained[1]:.0f}% of variance)")
        item.setTitle(
            (title + " — " if title else "") + "○ first step  ■ last step",
            color="#222",
            size="10pt",
        )

    def set_trajectory(
        self, traj: Any, lengths: np.ndarray, title: str = "", highlight: int | None = None
    ) -> None:
        """Paths of every probe sequence; ``highlight`` (the one chosen on the left) is drawn
        bold and the others faint, so one path can be followed through the tangle."""
        points = np.asarray(traj.points, dtype=np.float64)  # [B, T, 2], NaN on padding
        n = points.shape[0]
        while len(self.paths) < n:
            i = len(self.paths)
            color = PALETTE[i % len(PALETTE)]
            self.paths.append(self.plot(pen=pg.mkPen(color, width=1.5), name=f"sequence {i + 1}"))
        for i, path in enumerate(self.paths):
            if i < n:
                path.setData(points[i, :, 0], points[i, :, 1], connect="finite")
                color = pg.mkColor(PALETTE[i % len(PALETTE)])
                strong = highlight is None or i == highlight
                color.setAlpha(255 if strong else 80)
                path.setPen(pg.mkPen(color, width=1.8 if highlight == i else 1.0))
                path.setZValue(2 if highlight == i else 0)
                path.show()
            else:
                path.hide()
        starts, ends, brushes = [], [], []
        for i in range(n):
            valid = np.flatnonzero(np.isfinite(points[i]).all(axis=1))
            if valid.size:
                starts.append(points[i, valid[0]])
                ends.append(points[i, valid[-1]])
                brushes.append(pg.mkBrush(PALETTE[i % len(PALETTE)]))
        pen = pg.mkPen("#222")
        if starts:
            s, e = np.asarray(starts), np.asarray(ends)
            self.starts.setData(s[:, 0], s[:, 1], brush=brushes, pen=pen)
            self.ends.setData(e[:, 0], e[:, 1], brush=brushes, pen=pen)
        else:
            self.starts.clear()
            self.ends.clear()
        self.set_labels(traj.explained_variance, title)

    def path_data(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.paths[i].getData()
