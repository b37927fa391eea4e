"""Optuna's parameter importances as horizontal bars, the most important on top."""

from __future__ import annotations

import pyqtgraph as pg

from workbench.core.run_summary import setting_header

_BAR = "#009E73"  # the palette's bluish green (gui/plots/colors.py)


class ImportanceBars(pg.PlotWidget):
    """``set_importances({path: share})`` draws one bar per swept setting (shares sum to 1)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        self.setMinimumWidth(220)
        item = self.getPlotItem()
        item.setTitle("Importance (Optuna)", size="9pt")
        item.setMouseEnabled(False, False)
        item.hideButtons()
        item.setMenuEnabled(False)
        item.getAxis("bottom").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")]])
        self.values: dict[str, float] = {}
        self.message = pg.TextItem("", color="#555", anchor=(0.5, 0.5))
        self.set_importances({})

    def set_importances(self, values: dict[str, float]) -> None:
        self.clear()
        self.values = dict(values)
        ordered = sorted(values.items(), key=lambda kv: kv[1])  # least first: bottom row
        left = self.getPlotItem().getAxis("left")
        if not ordered:
            left.setTicks([[]])
            self.message.setText("Importances show once two trials completed")
            self.message.setPos(0.5, 0.5)
            self.addItem(self.message)
            self.setXRange(0, 1, padding=0.02)
            self.setYRange(0, 1, padding=0.02)
            return
        ys = list(range(len(ordered)))
        bars = pg.BarGraphItem(
            x0=0, y=ys, height=0.6, width=[v for _, v in ordered], brush=_BAR, pen=None
        )
        self.addItem(bars)
        for y, (_path, value) in zip(ys, ordered):
            label = pg.TextItem(f"{value:.2f}", color="#222", anchor=(0, 0.5))
            label.setPos(value + 0.02, y)
            self.addItem(label)
        left.setTicks([[(y, setting_header(path)) for y, (path, _) in zip(ys, ordered)]])
        self.setXRange(0, 1.3, padding=0)
        self.setYRange(-0.6, len(ordered) - 0.4, padding=0)
