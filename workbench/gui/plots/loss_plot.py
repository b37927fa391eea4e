"""Training loss per step: the raw curve plus a debiased EMA, with a smoothing slider.

Smoothing only changes the EMA curve; the raw curve always stays visible (lighter, underneath).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from workbench.core.smoothing import EmaState, debiased_ema
from workbench.gui.plots.colors import LIVE, LIVE_SMOOTH
from workbench.gui.plots.live_plot import LiveCurve, LivePlot

RAW, SMOOTH = "live:loss", "live:loss_ema"


class LossPlot(QWidget):
    """``LivePlot`` of the step loss + a 0–0.999 smoothing slider (default 0.9)."""

    def __init__(
        self, title: str = "Training loss per step", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.plot = LivePlot(title, "step", "loss")
        self.raw: LiveCurve = self.plot.add_curve(RAW, LIVE, "this run", alpha=110, z=1)
        self.smooth: LiveCurve = self.plot.add_curve(SMOOTH, LIVE_SMOOTH, "this run, smoothed", z=2)
        self._state = EmaState()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 999)
        self.slider.setValue(900)
        self.slider.setToolTip(
            "Smoothing of the darker curve (exponential moving average, bias-corrected).\n"
            "The raw loss stays visible underneath."
        )
        self._value = QLabel()
        self._value.setMinimumWidth(34)
        self.slider.valueChanged.connect(self._on_slider)
        row = QHBoxLayout()
        row.setContentsMargins(6, 0, 6, 0)
        row.addWidget(QLabel("Smoothing"))
        row.addWidget(self.slider, 1)
        row.addWidget(self._value)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        self._on_slider(self.slider.value())

    @property
    def smoothing(self) -> float:
        return self.slider.value() / 1000.0

    def set_smoothing(self, beta: float) -> None:
        self.slider.setValue(round(beta * 1000))

    def extend(self, steps: np.ndarray, losses: np.ndarray) -> None:
        """Append step losses; the EMA continues from where it was (no full recompute)."""
        if len(steps) == 0:
            return
        self.raw.extend(steps, losses)
        self.smooth.extend(steps, debiased_ema(losses, self.smoothing, self._state))

    def clear(self) -> None:
        self.raw.clear()
        self.smooth.clear()
        self._state = EmaState()

    def _on_slider(self, value: int) -> None:
        self._value.setText(f"{value / 1000:.3f}".rstrip("0").rstrip(".") if value else "0")
        self._state = EmaState()
        raw = self.raw.series
        self.smooth.set_data(raw.x, debiased_ema(raw.y, self.smoothing, self._state))
        self.smooth.refresh()

    def refresh(self) -> bool:
        return self.plot.refresh()
