"""Reusable pyqtgraph widgets: live curves, the training dashboard, export."""

from workbench.gui.plots.dashboard import TrainingDashboard
from workbench.gui.plots.live_plot import LiveCurve, LivePlot
from workbench.gui.plots.loss_plot import LossPlot

__all__ = ["LiveCurve", "LivePlot", "LossPlot", "TrainingDashboard"]
