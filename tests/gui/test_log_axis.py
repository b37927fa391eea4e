"""Log-axis ticks never collide: labels at least MIN_GAP text heights apart at any size."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.gui.plots.live_plot import LivePlot
from workbench.gui.plots.log_axis import format_tick, log_ticks


@pytest.mark.parametrize("lo", [1e-6, 1e-4, 0.04, 0.2])
@pytest.mark.parametrize("hi", [0.9, 5.0, 1e3])
@pytest.mark.parametrize("length", [60, 140, 300, 800])
def test_labels_keep_their_distance_and_are_never_too_few(lo, hi, length):
    if hi <= lo * 1.5:
        return
    gap = 20.0
    labelled, minor = log_ticks(np.log10(lo), np.log10(hi), length, gap)
    assert len(labelled) >= 2
    px = np.diff(sorted(labelled)) * length / (np.log10(hi) - np.log10(lo))
    assert px.min() >= gap - 1e-6
    assert not set(np.round(labelled, 9)) & set(np.round(minor, 9))


def test_tick_labels_read_plainly():
    assert [format_tick(v) for v in (1e-4, 0.001, 0.05, 1, 20, 5000, 2e5)] == [
        "1e-4",
        "0.001",
        "0.05",
        "1",
        "20",
        "5000",
        "2e5",
    ]


def test_a_log_loss_plot_labels_do_not_overlap(qtbot):
    plot = LivePlot("Loss", "step", "loss", log_y=True)
    qtbot.addWidget(plot)
    plot.resize(420, 260)
    x = np.arange(1, 2001, dtype=float)
    plot.add_curve("a", "#D55E00").set_data(x, 3.0 * (0.05 / 3.0) ** (x / 2000))
    plot.refresh()
    plot.show()
    qtbot.waitExposed(plot)
    axis = plot.getPlotItem().getAxis("left")
    lo, hi = axis.range
    levels = axis.tickValues(lo, hi, axis.height())
    strings = [s for _, values in levels for s in axis.tickStrings(values, 1.0, 1.0) if s]
    assert strings and "x0.0" not in axis.labelString()  # no SI prefix on a log axis
    assert len(strings) == len(set(strings)) >= 3
    assert set(strings) <= {"0.05", "0.1", "0.2", "0.5", "1", "2", "5"}
