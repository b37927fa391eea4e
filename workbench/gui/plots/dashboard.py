"""The live training plots in one widget, fed with engine events (plain dataclasses).

``handle(events)`` only appends to buffers; ``refresh()`` redraws at most a few plots per call
(round robin), so one GUI timer tick stays short however many plots there are. Past runs can be
overlaid with ``show_run`` in a stable per-run colour.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QWidget

from workbench.core.training.events import EpochEvent, StepEvent
from workbench.gui.plots.colors import LIVE
from workbench.gui.plots.live_plot import LivePlot
from workbench.gui.plots.loss_plot import LossPlot
from workbench.gui.plots.metric_family import MetricFamilyBox

STEP_FIELDS = ("lr", "grad_norm", "samples_per_s")
#: Epoch metrics with a plot of their own (per step) or nothing to compare.
EPOCH_SKIP = ("lr", "best_epoch", "samples_per_s")


def is_loss_metric(name: str) -> bool:
    return name.endswith("loss")


#: The baseline (the obvious guess: seasonal naive, majority class …) is a grey dashed line.
BASELINE_COLOR = "#6b6b6b"
BASELINE_TAG = "_baseline_"


def baseline_metric(name: str) -> str | None:
    """``val_baseline_rmse`` → ``val_rmse`` (the model metric it compares with), else None."""
    if BASELINE_TAG not in name:
        return None
    return name.replace(BASELINE_TAG, "_", 1)


def is_baseline_detail(name: str) -> bool:
    """Naive / seasonal-naive figures: the summary shows them, the plot shows the baseline."""
    return "naive_" in name


def add_baseline_curve(plot: LivePlot, key: str, metric: str, label: str):
    split = metric.split("_", 1)[0]
    style = Qt.PenStyle.DotLine if split == "test" else Qt.PenStyle.DashLine
    return plot.add_curve(key, BASELINE_COLOR, label, width=1.5, style=style, z=1)


_SYMBOLS = ("o", "s", "d", "t", "+", "x")


def add_metric_curve(plot: LivePlot, key: str, color: str, metric: str, label: str, live=False):
    """Colour = the run; dashed = train, dotted = test, solid = validation; marker = metric."""
    style = Qt.PenStyle.SolidLine
    if metric.startswith("train"):
        style = Qt.PenStyle.DashLine
    elif metric.startswith("test"):
        style = Qt.PenStyle.DotLine
    base = metric.split("_", 1)[-1]
    symbol = _SYMBOLS[sum(map(ord, base)) % len(_SYMBOLS)] if base != "loss" else "o"
    return plot.add_curve(
        key,
        color,
        label,
        style=style,
        symbol=symbol,
        z=2 if live else 0,
        alpha=255 if live else 200,
    )


class TrainingDashboard(QWidget):
    """Loss per step (raw + EMA), loss and metrics per epoch, LR, gradient norm, throughput."""

    #: Seconds between redraws of the step-loss plot and of each other plot. A redraw costs a few
    #: ms of GUI-thread time, holding the GIL the training thread needs; at most one plot is
    #: redrawn per ``refresh()`` call, so one timer tick stays short. The loss 5 times a second
    #: (the floor of what the user sees) and the other plots in turn, one every 0.4 s (each
    #: every 2 s): about 6.5 redraws/s instead of up to 10 (benchmarks/gui_overhead.py reports
    #: redraws/s beside the GUI/headless ratio). Hidden plots (another tab) are not redrawn at
    #: all; they catch up when shown.
    LOSS_EVERY_S = 0.2
    OTHER_EVERY_S = 2.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss = LossPlot()
        self.epoch_loss = LivePlot("Loss per epoch", "epoch", "loss")
        self.metrics = LivePlot("Metrics per epoch", "epoch", legend_corner="bottom")
        self.metrics_box = MetricFamilyBox(self.metrics)
        self.lr = LivePlot("Learning rate", "step", log_y=True)
        self.grad_norm = LivePlot("Gradient norm (before clipping)", "step")
        self.throughput = LivePlot("Throughput", "step", "samples/s")
        self.step_plots = {
            "lr": self.lr,
            "grad_norm": self.grad_norm,
            "samples_per_s": self.throughput,
        }
        for field, plot in self.step_plots.items():
            plot.add_curve(f"live:{field}", LIVE, "this run")  # legend shows with overlays
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        grid.addWidget(self.loss, 0, 0)
        grid.addWidget(self.epoch_loss, 0, 1)
        grid.addWidget(self.metrics_box, 0, 2)
        grid.addWidget(self.lr, 1, 0)
        grid.addWidget(self.grad_norm, 1, 1)
        grid.addWidget(self.throughput, 1, 2)
        for row in range(2):
            grid.setRowStretch(row, 1)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        self._refreshers = [
            self.loss.refresh,
            self.epoch_loss.refresh,
            self.metrics.refresh,
            self.lr.refresh,
            self.grad_norm.refresh,
            self.throughput.refresh,
        ]
        self._widgets = [
            self.loss,
            self.epoch_loss,
            self.metrics_box,
            self.lr,
            self.grad_norm,
            self.throughput,
        ]
        self._periods = [self.LOSS_EVERY_S] + [self.OTHER_EVERY_S] * 5
        # Staggered: the other plots take turns instead of all coming due in the same tick.
        self._due = [0.0] + [self.OTHER_EVERY_S * k / 5 for k in range(5)]
        self.redraws = 0  # plots redrawn by ``refresh`` (the benchmark reports redraws/s)

    # ---- live run -------------------------------------------------------------------------
    def clear_live(self) -> None:
        self.loss.clear()
        self.metrics_box.forget([k for k in self.metrics.curves if k.startswith("live:")])
        for plot in (self.epoch_loss, self.metrics):
            plot.clear_curves("live:")
        for field, plot in self.step_plots.items():
            plot.curves[f"live:{field}"].clear()
        self.set_plan(None, None)
        self.refresh_all()

    def set_plan(self, steps: int | None, epochs: int | None) -> None:
        """The planned length of the run: x axes span it from the start."""
        for plot in (self.loss.plot, *self.step_plots.values()):
            plot.set_x_hint(float(steps) if steps else None)
        for plot in (self.epoch_loss, self.metrics):
            plot.set_x_hint(float(epochs) if epochs else None)

    def handle(self, events: Iterable[Any]) -> None:
        """Take a batch of engine events: steps and epochs are plotted, other types ignored."""
        steps: list[StepEvent] = []
        for event in events:
            if isinstance(event, StepEvent):
                steps.append(event)
            elif isinstance(event, EpochEvent):
                self._add_epoch(event.epoch, event.metrics)
        if steps:
            x = np.fromiter((e.step for e in steps), np.float64, len(steps))
            self.loss.extend(x, np.fromiter((e.loss for e in steps), np.float64, len(steps)))
            for field, plot in self.step_plots.items():
                y = np.fromiter((getattr(e, field) for e in steps), np.float64, len(steps))
                if field != "lr":
                    # Measured every few steps (NaN between): keep the measurements, so the
                    # line connects them instead of vanishing into gaps.
                    keep = np.isfinite(y)
                    if not keep.all():
                        x_kept, y = x[keep], y[keep]
                        plot.curves[f"live:{field}"].extend(x_kept, y)
                        continue
                plot.curves[f"live:{field}"].extend(x, y)

    def _add_epoch(self, epoch: int, metrics: Mapping[str, float]) -> None:
        for name, value in metrics.items():
            if name in EPOCH_SKIP or is_baseline_detail(name):
                continue
            plot = self.epoch_loss if is_loss_metric(name) else self.metrics
            key = f"live:{name}"
            if key not in plot.curves:
                compared = baseline_metric(name)
                if compared is not None:
                    label = f"{compared.split('_', 1)[0]} baseline"
                    add_baseline_curve(plot, key, compared, label)
                else:
                    add_metric_curve(plot, key, LIVE, name, name, live=True)
                if plot is self.metrics:
                    self.metrics_box.note_curve(key, compared or name)
            plot.curves[key].append(float(epoch), float(value))

    def refresh(self, now: float | None = None) -> bool:
        """Redraw the most overdue plot that has new data; True when one was redrawn."""
        now = time.monotonic() if now is None else now
        due = sorted((d, i) for i, d in enumerate(self._due) if d <= now)
        for _, i in due:
            if not self._widgets[i].isVisible():
                continue  # redrawn when shown (showEvent)
            if self._refreshers[i]():  # False (and cheap) when the plot has nothing new
                self._due[i] = now + self._periods[i]
                self.redraws += 1
                return True
        return False

    def refresh_all(self) -> None:
        for refresher in self._refreshers:
            refresher()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh_all()  # plots were not redrawn while hidden

    def point_counts(self) -> dict[str, int]:
        """Points per live curve (for tests and the status line)."""
        counts = {"loss": len(self.loss.raw), "loss_ema": len(self.loss.smooth)}
        for field, plot in self.step_plots.items():
            counts[field] = plot.point_count(f"live:{field}")
        for plot in (self.epoch_loss, self.metrics):
            for key, curve in plot.curves.items():
                if key.startswith("live:"):
                    counts[f"epoch:{key[5:]}"] = len(curve)
        return counts

    # ---- overlays of past runs ------------------------------------------------------------
    def show_run(
        self,
        key: str,
        label: str,
        color: str,
        steps: Mapping[str, np.ndarray],
        epochs: Mapping[str, np.ndarray],
    ) -> None:
        """Overlay a past run: ``steps`` has 'step' plus any of loss/lr/grad_norm/samples_per_s;
        ``epochs`` has 'epoch' plus metric columns."""
        self.hide_run(key)
        prefix = f"run:{key}:"
        x = steps.get("step")
        if x is not None and len(x):
            pairs = [(self.loss.plot, "loss"), *((p, f) for f, p in self.step_plots.items())]
            for plot, field in pairs:
                if field in steps:
                    y = np.asarray(steps[field], dtype=np.float64)
                    keep = np.isfinite(y) if field != "loss" else slice(None)
                    curve = plot.add_curve(prefix + field, color, label, alpha=170, z=0)
                    curve.set_data(x[keep], y[keep])
        ex = epochs.get("epoch")
        if ex is not None and len(ex):
            for name, values in epochs.items():
                if name == "epoch" or name in EPOCH_SKIP or is_baseline_detail(name):
                    continue
                plot = self.epoch_loss if is_loss_metric(name) else self.metrics
                compared = baseline_metric(name)
                if compared is not None:
                    base = f"{label} {compared.split('_', 1)[0]} baseline"
                    curve = add_baseline_curve(plot, prefix + name, compared, base)
                else:
                    curve = add_metric_curve(plot, prefix + name, color, name, f"{label} {name}")
                curve.set_data(ex, values)
                if plot is self.metrics:
                    self.metrics_box.note_curve(prefix + name, compared or name)
        self.refresh_all()

    def hide_run(self, key: str) -> None:
        prefix = f"run:{key}:"
        self.metrics_box.forget([k for k in self.metrics.curves if k.startswith(prefix)])
        for plot in (self.loss.plot, self.epoch_loss, self.metrics, *self.step_plots.values()):
            plot.clear_curves(prefix)

    def plots(self) -> list[LivePlot]:
        return [
            self.loss.plot,
            self.epoch_loss,
            self.metrics,
            self.lr,
            self.grad_norm,
            self.throughput,
        ]
