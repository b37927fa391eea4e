"""The Predictions view: one page per task, fed with ``PredictionsEvent``s (NumPy only).

Forecasting: prediction vs target in original units, one-step (teacher-forced) and autoregressive.
Classification: confusion matrix and per-class accuracy. Regression: predicted vs true. Language
model: a sampled continuation with a temperature control.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from workbench.core.spec.task import Task
from workbench.gui.plain_text import plain_label
from workbench.gui.plots.confusion import ConfusionView
from workbench.gui.plots.gradflow_plot import fit_x
from workbench.gui.plots.live_plot import LivePlot
from workbench.gui.widgets.lm_sampler import LMSampler

WAITING = "Predictions appear at the end of the first epoch."


class RegressionPlot(pg.PlotWidget):
    """Predicted against true values (original units); the diagonal is a perfect model."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent, background="w")
        item = self.getPlotItem()
        for axis in ("left", "bottom"):
            item.getAxis(axis).setTextPen("#333")
            item.getAxis(axis).setPen("#888")
        self.diagonal = item.plot(pen=pg.mkPen("#888", width=1, style=Qt.PenStyle.DashLine))
        self.caption = ""
        self.points = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(0, 114, 178, 110))
        item.addItem(self.points)

    def set_view(self, view: Any) -> None:
        true = np.asarray(view.true, dtype=np.float64)[:, 0]
        pred = np.asarray(view.predicted, dtype=np.float64)[:, 0]
        self.points.setData(true, pred)
        lo = float(np.nanmin([true.min(), pred.min()])) if true.size else 0.0
        hi = float(np.nanmax([true.max(), pred.max()])) if true.size else 1.0
        self.diagonal.setData([lo, hi], [lo, hi])
        name = view.target_names[0] if view.target_names else "target"
        mse = float(np.mean((true - pred) ** 2)) if true.size else float("nan")
        mean_mse = float(np.var(true)) if true.size else float("nan")
        item = self.getPlotItem()
        item.setLabel("bottom", f"true {name}")
        item.setLabel("left", f"predicted {name}")
        item.setTitle(f"Predicted vs true {name} (validation)", color="#222", size="10pt")
        self.caption = (
            f"Validation MSE {mse:.4g} on {true.size:,} sequences; always predicting the mean "
            f"would score {mean_mse:.4g}. On the dashed diagonal the model is exactly right"
        )


class PredictionsView(QWidget):
    """A caption line (the numbers, in words) above one page per task."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.caption = plain_label(QLabel(""))  # class and target names
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #444;")
        self.message = plain_label(QLabel(WAITING))
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.forecast = LivePlot("Validation forecast", "window", "")
        self.forecast.add_curve("true", "#222222", "target", width=1.5)
        self.forecast.add_curve("one_step", "#0072B2", "one-step (teacher-forced)")
        self.forecast.add_curve(
            "rollout", "#D55E00", "autoregressive rollout", style=Qt.PenStyle.DashLine
        )
        self.forecast.add_curve("baseline", "#6b6b6b", "baseline", style=Qt.PenStyle.DashLine)
        self.regression = RegressionPlot()
        self.confusion = ConfusionView()
        self.sampler = LMSampler()
        self.stack = QStackedWidget()
        for page in (self.message, self.forecast, self.regression, self.confusion, self.sampler):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.stack, 1)
        self.latest: Any = None

    def currentWidget(self) -> QWidget:  # noqa: N802 - mirrors QStackedWidget
        return self.stack.currentWidget()

    def _show(self, page: QWidget, caption: str = "") -> None:
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption))
        self.stack.setCurrentWidget(page)

    def reset(self, task: str | None = None) -> None:
        self.latest = None
        self.sampler.button.setEnabled(False)
        if task == Task.LANGUAGE_MODEL:
            self.sampler.show_sample("", "", WAITING)
            self._show(self.sampler)
        else:
            self.message.setText(WAITING)
            self._show(self.message)

    def set_event(self, event: Any) -> None:
        self.latest = event
        when = f"epoch {event.epoch}, step {event.step:,}"
        if event.classification is not None:
            view = event.classification
            self.confusion.set_view(view)
            n = int(np.asarray(view.confusion).sum())
            base = getattr(view, "baseline_accuracy", None)
            versus = "" if base is None else f" (always the majority class: {100 * base:.1f}%)"
            self._show(
                self.confusion,
                f"Validation accuracy {100 * view.accuracy:.1f}%{versus} on {n:,} sequences "
                f"({when}). Rows: the true class; columns: what the model said; colour: share "
                "of the row.",
            )
        elif event.forecast is not None:
            self._show_forecast(event.forecast)
            note = f" — {event.forecast.note}" if event.forecast.note else ""
            self._show(
                self.forecast,
                f"Validation series in original units ({when}). One-step: each prediction sees "
                f"the real past; rollout: predictions are fed back as inputs{note}."
                + _versus_baseline(event.forecast),
            )
        elif event.regression is not None:
            self.regression.set_view(event.regression)
            self._show(self.regression, f"{self.regression.caption} ({when}).")
        elif event.task == Task.LANGUAGE_MODEL:
            self.sampler.show_sample(
                event.prime,
                event.sample,
                f"Sampled at the end of {when}, temperature {event.temperature:g}",
            )
            self.sampler.button.setEnabled(event.can_sample)
            self._show(self.sampler)
        else:
            self.message.setText(event.note or "No prediction view for this task.")
            self._show(self.message)

    def _show_forecast(self, view: Any) -> None:
        n = len(view.true)
        x = np.arange(1, n + 1, dtype=np.float64)
        self.forecast.curves["true"].set_data(x, np.asarray(view.true)[:, 0])
        self.forecast.curves["one_step"].set_data(x, np.asarray(view.one_step)[:, 0])
        baseline = getattr(view, "baseline", None)
        self.forecast.curves["baseline"].set_data(
            x if baseline is not None else [],
            np.asarray(baseline)[:, 0] if baseline is not None else [],
        )
        rollout = view.rollout
        self.forecast.curves["rollout"].set_data(
            x if rollout is not None else [],
            np.asarray(rollout)[:, 0] if rollout is not None else [],
        )
        name = view.target_names[0] if view.target_names else "target"
        self.forecast.getPlotItem().setTitle(f"Forecast of {name}", color="#222", size="10pt")
        self.forecast.getPlotItem().setLabel("left", name)
        self.forecast.refresh()
        fit_x(self.forecast)


def _versus_baseline(view: Any) -> str:
    """' One-step RMSE 12.3 vs 20.1 for the baseline (seasonal naive (lag 12)).' or ''."""
    baseline = getattr(view, "baseline", None)
    if baseline is None or not len(view.true):
        return ""
    true = np.asarray(view.true, dtype=np.float64)
    model = float(np.sqrt(np.mean((np.asarray(view.one_step) - true) ** 2)))
    guess = float(np.sqrt(np.mean((np.asarray(baseline) - true) ** 2)))
    return (
        f" One-step RMSE {model:.4g} against {guess:.4g} for the dashed grey baseline, "
        f"{view.baseline_name}."
    )
