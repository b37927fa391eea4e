"""Live plot building blocks: growing buffers, debiased EMA, min/max envelopes, ranges, export."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from workbench.core.smoothing import EmaState, debiased_ema
from workbench.gui.plots.decimate import MinMaxLevels
from workbench.gui.plots.ranges import x_range, y_range
from workbench.gui.plots.runs_list import short_label
from workbench.gui.plots.series import GrowingSeries


def naive_debiased_ema(x, beta):
    out, ema = [], 0.0
    for t, v in enumerate(x, start=1):
        ema = beta * ema + (1 - beta) * v
        out.append(ema / (1 - beta**t))
    return np.array(out)


def test_live_series_grows_and_keeps_values():
    s = GrowingSeries(capacity=16)
    for i in range(100):
        s.append(i, i * i)
    s.extend(np.arange(100, 5000), np.arange(100, 5000) ** 2)
    assert len(s) == 5000
    assert s.x.dtype == np.float64
    assert s.y[:10].tolist() == [i * i for i in range(10)]
    assert s.y[-1] == 4999**2
    s.set([1, 2], [3, 4])
    assert s.x.tolist() == [1, 2] and s.y.tolist() == [3, 4]
    with pytest.raises(ValueError):
        s.extend([1, 2], [1])


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.9, 0.99, 0.999])
def test_live_ema_matches_the_recurrence_whole_and_in_pieces(beta):
    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 1.0, 5000)
    expected = naive_debiased_ema(x, beta)
    assert debiased_ema(x, beta) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    state, parts = EmaState(), []
    for chunk in np.array_split(x, [1, 7, 300, 301, 4096]):
        parts.append(debiased_ema(chunk, beta, state))
    assert np.concatenate(parts) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert debiased_ema(x[:1], beta)[0] == pytest.approx(x[0])  # debiased: no pull towards 0


def test_live_ema_rejects_bad_smoothing():
    with pytest.raises(ValueError):
        debiased_ema(np.ones(3), 1.0)


def test_live_minmax_levels_are_exact_envelopes_built_incrementally():
    rng = np.random.default_rng(2)
    n = 50_000
    x, y = np.arange(n, dtype=float), rng.normal(size=n)
    y[12345] = np.nan
    levels = MinMaxLevels((4, 64, 1024))
    for end in (10, 1000, 1001, 30_000, n):  # as points arrive
        levels.update(x[:end], y[:end])
    for b in (4, 64, 1024):
        vx, vy = levels.view(b, x, y)
        full = n // b * b
        blocks = y[:full].reshape(-1, b)
        pairs = vy[: 2 * (n // b)].reshape(-1, 2)
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(blocks).all(axis=1)
            assert np.allclose(pairs[finite].max(axis=1), blocks[finite].max(axis=1))
            assert np.allclose(pairs[finite].min(axis=1), blocks[finite].min(axis=1))
        assert np.isnan(pairs[~finite]).any(axis=1).all()  # a NaN stays visible as a gap
        assert np.all(np.diff(vx) >= 0)  # time order kept
        assert vy[2 * (n // b) :].tolist() == y[full:].tolist()  # the unfinished block, raw
    assert levels.pick(1_000, 2_000) == 1
    assert levels.pick(1_000_000, 2_000) == 1024


def test_live_ranges_move_in_steps_and_keep_losses_non_negative():
    lo, hi = y_range(0.05, 2.3, non_negative=True)
    assert lo == 0.0 and 2.3 < hi < 2.6
    assert y_range(0.05, 2.31, True) == (lo, hi)  # a small change: the same range
    lo, hi = y_range(1e-3, 1e-3)
    assert lo < 1e-3 < hi
    assert x_range(1, 1) == (0.5, 1.5)
    x0, x1 = x_range(1, 321)
    assert x0 < 1 and 500 <= x1 < 510


def test_live_short_run_labels():
    assert short_label("seed-lstm-20261127-140455", "seed-lstm") == "11-27 14:04:55"
    assert short_label("seed-lstm-20261127-140455-2", "seed-lstm") == "11-27 14:04:55 #2"
    assert short_label("my-run", "seed-lstm") == "my-run"


def test_live_plot_decimates_long_curves_and_refines_on_zoom(qtbot):
    from workbench.gui.plots.live_plot import RAW_LIMIT, LivePlot

    plot = LivePlot("big", "step")
    qtbot.addWidget(plot)
    plot.resize(800, 400)
    n = 1_000_000
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(size=n))
    curve = plot.add_curve("c", "#000000", "c")
    curve.extend(np.arange(n, dtype=float), y)
    assert plot.refresh()
    assert not plot.refresh()  # nothing new: no redraw
    shown_x, shown_y = curve.item.getOriginalDataset()
    assert len(shown_x) < 5_000 < RAW_LIMIT
    assert shown_y.max() == y.max() and shown_y.min() == y.min()  # peaks survive
    view = plot.getPlotItem().getViewBox()
    vx = view.viewRange()[0]
    assert vx[0] <= 0 and vx[1] >= n - 1  # the view follows the data
    view.setXRange(1000, 2500, padding=0)  # zoom in: raw points again, around the view only
    assert curve.block == 1
    zx, zy = curve.item.getOriginalDataset()
    assert zx[0] <= 1000 and zx[-1] >= 2500 and len(zx) < 10_000
    assert zy.tolist() == y[int(zx[0]) : int(zx[-1]) + 1].tolist()
    view.setXRange(500_000, 600_000, padding=0)  # pan far away: a new window, coarser level
    zx, _ = curve.item.getOriginalDataset()
    assert curve.block == 64 and zx[0] <= 500_000 and zx[-1] >= 600_000


def test_live_loss_plot_smoothing_never_hides_raw(qtbot):
    from workbench.gui.plots.loss_plot import LossPlot

    w = LossPlot()
    qtbot.addWidget(w)
    x = np.arange(1, 201, dtype=float)
    y = np.exp(-x / 50) + np.random.default_rng(4).normal(0, 0.05, 200)
    w.extend(x[:120], y[:120])
    w.extend(x[120:], y[120:])
    w.refresh()
    assert w.smooth.series.y == pytest.approx(naive_debiased_ema(y, 0.9))
    w.set_smoothing(0.5)
    assert w.smooth.series.y == pytest.approx(naive_debiased_ema(y, 0.5))
    assert w.raw.series.y.tolist() == y.tolist() and w.raw.item.isVisible()
    w.set_smoothing(0.0)
    assert w.smooth.series.y == pytest.approx(y)


def test_live_plot_export_png_svg_csv(qtbot, tmp_path):
    from PySide6.QtGui import QImage

    from workbench.gui.plots.live_plot import LivePlot

    plot = LivePlot("Export me", "epoch")
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    a = plot.add_curve("a", "#D55E00", "val_loss")
    a.extend([1, 2, 3], [0.5, 0.25, 0.125])
    b = plot.add_curve("b", "#009E73", "train_loss")
    b.extend(np.arange(1, 30_001, dtype=float), np.linspace(1, 0, 30_000))  # decimated on screen
    plot.refresh()
    plot.export(tmp_path / "p.png")
    assert not QImage(str(tmp_path / "p.png")).isNull()
    plot.export(tmp_path / "p.svg")
    assert "<svg" in (tmp_path / "p.svg").read_text()
    plot.export(tmp_path / "p.csv")
    rows = list(csv.reader((tmp_path / "p.csv").read_text().splitlines()))
    assert rows[0] == ["series", "x", "y"]
    assert rows[1:4] == [
        ["val_loss", "1", "0.5"],
        ["val_loss", "2", "0.25"],
        ["val_loss", "3", "0.125"],
    ]
    assert len(rows) == 1 + 3 + 30_000  # every point, not the downsampled view
    with pytest.raises(ValueError):
        plot.export(tmp_path / "p.bmp")
    menu_texts = [a.text() for a in plot.getPlotItem().getViewBox().menu.actions()]
    assert {"Export PNG…", "Export SVG…", "Export CSV…"} <= set(menu_texts)


def test_live_metrics_plot_shows_one_family_at_a_time(qtbot):
    from workbench.core.training.events import EpochEvent
    from workbench.gui.plots.dashboard import TrainingDashboard

    dash = TrainingDashboard()
    qtbot.addWidget(dash)
    for epoch in (1, 2):
        metrics = {
            "train_loss": 2.0 / epoch,
            "val_loss": 2.1 / epoch,
            "val_perplexity": 8.0 / epoch,
        }
        metrics |= {"val_bpc": 3.0 / epoch, "train_bpc": 2.9 / epoch, "lr": 1e-3}
        dash.handle([EpochEvent(epoch, metrics)])
    box, plot = dash.metrics_box, dash.metrics
    assert box.current == "bpc"  # preferred over perplexity
    shown = {k for k, c in plot.curves.items() if c.shown}
    assert shown == {"live:val_bpc", "live:train_bpc"}
    assert set(dash.epoch_loss.curves) == {"live:train_loss", "live:val_loss"}
    assert "live:lr" not in plot.curves  # the learning rate has its own plot
    box.combo.setCurrentText("perplexity")
    assert {k for k, c in plot.curves.items() if c.shown} == {"live:val_perplexity"}
    dash.refresh_all()
    lo, hi = plot.getPlotItem().getViewBox().viewRange()[1]
    assert lo <= 4.0 and 8.0 <= hi < 10  # the range follows the shown family only


def test_live_metrics_plot_draws_the_baseline_dashed_beside_its_metric(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from workbench.core.training.events import EpochEvent
    from workbench.gui.plots.dashboard import BASELINE_COLOR, TrainingDashboard

    dash = TrainingDashboard()
    qtbot.addWidget(dash)
    for epoch in (1, 2, 3):
        metrics = {"train_loss": 1.0 / epoch, "val_loss": 1.1 / epoch, "val_rmse": 60.0 / epoch}
        metrics |= {"val_mae": 50.0 / epoch, "val_skill": 1 - 2.0 / epoch}
        metrics |= {"val_baseline_rmse": 30.0, "val_baseline_mae": 25.0}
        metrics |= {"val_naive_rmse": 44.0, "val_seasonal_naive_rmse": 30.0}
        dash.handle([EpochEvent(epoch, metrics)])
    plot, box = dash.metrics, dash.metrics_box
    assert "live:val_naive_rmse" not in plot.curves  # details stay in the summary
    box.combo.setCurrentText("rmse")
    shown = {k for k, c in plot.curves.items() if c.shown}
    assert shown == {"live:val_rmse", "live:val_baseline_rmse"}
    item = plot.curves["live:val_baseline_rmse"].item
    assert item.opts["pen"].style() == Qt.PenStyle.DashLine
    assert item.opts["pen"].color().name() == BASELINE_COLOR
    assert item.opts["name"] == "val baseline"
    dash.resize(1200, 700)
    dash.refresh_all()
    assert not dash.grab().isNull()
