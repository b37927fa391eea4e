"""Overlays: colour-blind-safe colours that are never shared among the runs shown, and a
legend that can be kept off the data."""

from __future__ import annotations

from workbench.gui.plots.colors import LIVE, PALETTE, pick_color
from workbench.gui.plots.live_plot import LivePlot


def test_overlay_colours_are_distinct_okabe_ito_hues():
    okabe_ito = {
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#000000",
    }
    assert set(PALETTE) <= okabe_ito and LIVE not in PALETTE
    used: list[str] = []
    for _ in PALETTE:
        used.append(pick_color(used))
    assert sorted(used) == sorted(PALETTE)  # as many runs as colours: no colour twice
    assert pick_color([PALETTE[1]]) == PALETTE[0]  # a freed colour is reused first


def test_legend_can_be_kept_off_the_data(qtbot):
    plot = LivePlot("loss")
    qtbot.addWidget(plot)
    plot.add_curve("live", LIVE, "this run")
    plot.add_curve("old", PALETTE[0], "run #1")
    assert plot._legend.isVisibleTo(plot.getPlotItem())
    plot.set_legend_wanted(False)
    assert not plot._legend.isVisibleTo(plot.getPlotItem())
    assert not plot._legend_action.isChecked()
    plot._legend_action.setChecked(True)  # the context menu's "Show legend"
    assert plot.legend_wanted and plot._legend.isVisibleTo(plot.getPlotItem())
