"""Parallel coordinates of a sweep's trials: one vertical axis per varied setting and one for
the objective; each trial is a line through its values, coloured by its objective (best dark).

Axes are scaled to their own range (a log range on a log scale, choices evenly spaced), each
labelled with its low and high value (or its choices) so no shared y axis is needed. Pruned and
failed trials are drawn thin and grey: they show where the search did not go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from workbench.core.run_summary import setting_header

#: Objective colours, best → worst (viridis ends: dark purple → yellow reads on white).
_BEST, _WORST = QColor("#440154"), QColor("#35b779")
_GREY = QColor(150, 150, 150, 110)
_LABEL_FILL = QColor(255, 255, 255, 210)


@dataclass
class Axis:
    """One vertical axis: how a value maps to 0…1, and the labels to draw on it."""

    title: str
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    choices: tuple[Any, ...] = ()

    def position(self, value: Any) -> float:
        if value is None:
            return math.nan
        if self.choices:
            try:
                index = self.choices.index(value)
            except ValueError:
                return math.nan
            return 0.5 if len(self.choices) == 1 else index / (len(self.choices) - 1)
        try:
            x, lo, hi = float(value), self.low, self.high
        except (TypeError, ValueError):
            return math.nan
        if self.log and x > 0 and lo > 0:
            x, lo, hi = math.log10(x), math.log10(lo), math.log10(hi)
        return 0.5 if hi == lo else (x - lo) / (hi - lo)

    def labels(self) -> list[tuple[float, str]]:
        if self.choices:
            return [(self.position(c), _short(c)) for c in self.choices]
        return [(0.0, _short(self.low)), (1.0, _short(self.high))]


def axes_for(params: list[Any], trials: list[dict], objective: str) -> list[Axis]:
    """An axis per sweep parameter (``SweepParam``) and one for the objective, whose range is
    that of the trials' values."""
    axes = []
    for p in params:
        if p.kind == "choice":
            axes.append(Axis(setting_header(p.path), choices=tuple(p.choices)))
        else:
            axes.append(Axis(setting_header(p.path), float(p.low), float(p.high), p.log))
    values = [
        t["value"] for t in trials if t.get("state") == "complete" and _finite(t.get("value"))
    ]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    axes.append(Axis(objective, low, high))
    return axes


class ParallelCoordinates(pg.PlotWidget):
    """The plot; ``set_trials`` replaces what it shows."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        self.setMinimumHeight(220)
        item = self.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.setMouseEnabled(False, False)
        item.hideButtons()
        item.setMenuEnabled(False)
        self.axes: list[Axis] = []
        self.lines: list[pg.PlotDataItem] = []
        self.message = pg.TextItem(
            "Parallel coordinates of the sweep's trials show here", color="#555", anchor=(0.5, 0.5)
        )
        self.addItem(self.message)
        self.message.setPos(0.5, 0.5)
        self.setXRange(0, 1, padding=0)
        self.setYRange(0, 1, padding=0)

    def set_trials(
        self, params: list[Any], trials: list[dict], objective: str, direction: str
    ) -> None:
        """Draw ``trials`` (dicts with ``params``, ``value``, ``state``) over ``params``."""
        self.clear()
        self.lines = []
        self.axes = axes_for(params, trials, objective)
        n = len(self.axes)
        font = QFont()
        font.setPointSize(8)
        for i, axis in enumerate(self.axes):
            self.addItem(pg.InfiniteLine(pos=i, angle=90, pen=pg.mkPen("#888", width=1)))
            title = pg.TextItem(axis.title, color="#222", anchor=(0.5, 1.0))
            title.setFont(font)
            title.setPos(i, 1.05)
            self.addItem(title)
            for pos, text in axis.labels():
                label = pg.TextItem(text, color="#333", anchor=(0.0, 0.5), fill=_LABEL_FILL)
                label.setFont(font)
                label.setZValue(10)  # over the lines that pass through a choice
                label.setPos(i + 0.03, pos)
                self.addItem(label)
        done = [t for t in trials if t.get("state") == "complete" and _finite(t.get("value"))]
        others = [t for t in trials if t not in done]
        objective_axis = self.axes[-1]
        for trial in others:  # under the completed ones
            ys = [
                a.position(trial.get("params", {}).get(p.path)) for a, p in zip(self.axes, params)
            ]
            self._line(ys + [math.nan], pg.mkPen(_GREY, width=1, style=Qt.PenStyle.DashLine))
        ranked = sorted(done, key=lambda t: t["value"], reverse=direction == "minimize")
        for rank, trial in enumerate(ranked):  # the best drawn last, on top
            ys = [a.position(trial["params"].get(p.path)) for a, p in zip(self.axes, params)]
            ys.append(objective_axis.position(trial["value"]))
            share = rank / max(1, len(ranked) - 1)
            width = 3 if rank == len(ranked) - 1 else 1.5
            self._line(ys, pg.mkPen(_mix(_WORST, _BEST, share), width=width))
        self.message.setText("" if trials else "Trials show here as they finish")
        self.addItem(self.message)
        self.message.setPos((n - 1) / 2, 0.5)
        key = pg.TextItem(
            f"colour: {objective}, dark = best · dashed grey: pruned or failed",
            color="#555",
            anchor=(0.0, 0.0),
        )
        key.setFont(font)
        key.setPos(-0.4, -0.06)
        self.addItem(key)
        self.setXRange(-0.45, n - 1 + 0.55, padding=0)
        self.setYRange(-0.2, 1.22, padding=0)

    def _line(self, ys: list[float], pen) -> None:
        xs = np.arange(len(ys), dtype=float)
        line = pg.PlotDataItem(xs, np.array(ys, dtype=float), pen=pen, connect="finite")
        self.addItem(line)
        self.lines.append(line)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
