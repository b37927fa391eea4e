"""A reusable live plot: named curves on growing float64 buffers, redrawn only when they change.

Curves follow pyqtgraph's scrolling-plot advice: one reused ``PlotDataItem`` per curve updated with
``setData``, ``setDownsampling(auto=True, method='peak')``, ``setClipToView(True)``, 1 px cosmetic
pens and float64 x. Right-click → Export PNG / SVG / CSV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from workbench.gui.plain_text import warn
from workbench.gui.plots.decimate import MinMaxLevels
from workbench.gui.plots.export import (
    PNG_WIDTH,
    ask_export_path,
    ask_png_width,
    export_csv,
    export_png,
    export_svg,
)
from workbench.gui.plots.log_axis import ValueAxis
from workbench.gui.plots.ranges import Bounds, growing_x_range, y_range
from workbench.gui.plots.series import GrowingSeries

#: Up to this many points a curve gets its raw data; beyond, a min/max envelope (decimate.py).
RAW_LIMIT = 20_000
#: Blocks shown at most when decimating (two points each): one to two per pixel column.
BLOCK_BUDGET = 2_000
#: Up to this many points a curve without its own markers shows one per point: a line
#: through 1-2 measurements reads as a trend it is not.
FEW_POINTS = 12


class LiveCurve:
    """One curve: its data buffer and the pyqtgraph item that shows it."""

    def __init__(self, item: pg.PlotDataItem, name: str, log_y: bool = False) -> None:
        self.item = item
        self.name = name
        self.bounds = Bounds(log_y)
        self.series = GrowingSeries()
        self.levels = MinMaxLevels()
        self.block = 1  # the block size now shown (1 = raw points)
        self.shown = True  # False: kept (with its data) but not drawn
        self.auto_markers = False  # markers while the curve has few points
        self._marked = False
        self._window: tuple[float, float] | None = None  # x span handed over when zoomed in
        self._dirty = False

    def __len__(self) -> int:
        return len(self.series)

    def append(self, x: float, y: float) -> None:
        self.extend(np.array([x], dtype=np.float64), np.array([y], dtype=np.float64))

    def extend(self, xs, ys) -> None:
        n = len(self.series)
        self.series.extend(xs, ys)
        self.bounds.add(self.series.x[n:], self.series.y[n:])
        self._dirty = True

    def set_data(self, xs, ys) -> None:
        self.clear()
        self.extend(xs, ys)

    def clear(self) -> None:
        self.series.clear()
        self.bounds.clear()
        self._dirty = True

    def refresh(self) -> bool:
        """Push new points to the item; False when nothing changed (no redraw)."""
        if not self._dirty:
            return False
        self._dirty = False
        x, y = self.series.x, self.series.y
        self._window = None
        if len(x) > RAW_LIMIT:
            self.levels.update(x, y)
            span, visible = self._view_span()
            self.block = self.levels.pick(visible, BLOCK_BUDGET)
            x, y = self.levels.view(self.block, x, y)
            if span is not None:  # zoomed in: hand over the view and one view-width each side
                lo, hi = span
                width = hi - lo
                a, b = np.searchsorted(x, lo - width), np.searchsorted(x, hi + width)
                x, y = x[max(0, a - 1) : b + 1], y[max(0, a - 1) : b + 1]
                self._window = (lo - width, hi + width)
        else:
            self.block = 1
        if self.auto_markers and self._marked != (len(x) <= FEW_POINTS):
            self._marked = len(x) <= FEW_POINTS
            self.item.setSymbol("o" if self._marked else None)
        self.item.setData(x, y)
        return True

    def _view_span(self) -> tuple[tuple[float, float] | None, int]:
        """(the x span shown when it is less than all the data, else None; raw points in view)."""
        view = self.item.getViewBox()
        x = self.series.x
        if view is None or len(x) == 0:
            return None, len(x)
        lo, hi = view.viewRange()[0]
        if lo <= x[0] and hi >= x[-1]:
            return None, len(x)
        return (lo, hi), int(np.searchsorted(x, hi) - np.searchsorted(x, lo))

    def on_view_changed(self) -> None:
        """Zoom/pan: a finer or coarser envelope, or a new window, when the view needs one."""
        if len(self.series) <= RAW_LIMIT:
            return
        span, visible = self._view_span()
        block = self.levels.pick(visible, BLOCK_BUDGET)
        window = self._window
        inside = (
            span is None
            if window is None
            else span is not None and window[0] <= span[0] and span[1] <= window[1]
        )
        if block != self.block or not inside:
            self._dirty = True
            self.refresh()


class IntegerAxis(pg.AxisItem):
    """An axis of counts (epochs, steps): ticks only on whole numbers."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph API
        levels = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            if spacing < 1:
                spacing = 1.0
                values = [float(v) for v in range(int(np.ceil(minVal)), int(np.floor(maxVal)) + 1)]
            values = [v for v in values if float(v).is_integer()]
            if values and not any(set(values) <= set(v) for _, v in levels):
                levels.append((spacing, values))
        return levels


class LivePlot(pg.PlotWidget):
    """A titled plot holding any number of live curves, keyed by a string."""

    def __init__(
        self,
        title: str,
        x_label: str = "step",
        y_label: str = "",
        parent=None,
        log_y: bool = False,
        legend_corner: str = "top",
    ) -> None:
        # ValueAxis: log-scale ticks that never collide (a log y here, or one set from the menu).
        axes = {"bottom": IntegerAxis("bottom"), "left": ValueAxis("left")}
        super().__init__(parent=parent, background="w", axisItems=axes)
        self.title = title
        self.log_y = log_y
        self.curves: dict[str, LiveCurve] = {}
        self._follow = True  # the view follows the data until the user zooms or pans
        self._range: tuple | None = None
        item = self.getPlotItem()
        item.setTitle(title, color="#222", size="10pt")
        item.setLabel("bottom", x_label)
        if y_label:
            item.setLabel("left", y_label)
        # No grid by default: on a software-rendered surface it costs ~10 ms per redraw
        # (right-click → Plot Options → Grid turns it on).
        item.setLogMode(False, log_y)
        item.setMenuEnabled(True)
        # Inherited by every curve added later (and shown in the plot's own context menu).
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setTextPen("#333")
            item.getAxis(axis).setPen("#888")
        # The legend sits in a row under the plot, off the data (``legend_corner`` is kept for
        # callers; it no longer matters).
        self._legend = pg.LegendItem(colCount=3, labelTextColor="#222", labelTextSize="8pt")
        item.legend = self._legend  # curves added with a name join it
        item.layout.addItem(self._legend, 4, 1)
        self._legend.hide()  # shown once two named curves can be told apart
        self.x_hint: float | None = None  # the planned steps: the x axis grows up to them
        self.setMinimumSize(220, 150)
        view = item.getViewBox()
        view.disableAutoRange()
        # Before any data: a plain frame with readable ticks (log axes: 1e-4 … 1e-1).
        view.setRange(xRange=(0, 10), yRange=(-4, -1) if log_y else (0, 1), padding=0)
        view.sigXRangeChanged.connect(self._on_x_range)
        view.sigRangeChangedManually.connect(self._on_manual_range)
        self._add_export_menu()

    # ---- curves ---------------------------------------------------------------------------
    def add_curve(
        self,
        key: str,
        color: str,
        name: str | None = None,
        width: float = 1.0,
        style: Qt.PenStyle = Qt.PenStyle.SolidLine,
        symbol: str | None = None,
        z: float = 0.0,
        alpha: int = 255,
    ) -> LiveCurve:
        """A new (or the existing) curve for ``key``; ``name`` shows in the legend."""
        if key in self.curves:
            return self.curves[key]
        qcolor = pg.mkColor(color)
        qcolor.setAlpha(alpha)
        pen = pg.mkPen(qcolor, width=width, style=style)
        pen.setCosmetic(True)
        item = pg.PlotDataItem(
            name=name,
            pen=pen,
            symbol=symbol,
            symbolSize=5,
            symbolPen=pen if symbol else None,
            symbolBrush=pg.mkBrush(qcolor) if symbol else None,
        )
        item.setZValue(z)
        self.getPlotItem().addItem(item)  # applies the PlotItem's downsampling/clip settings
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
        curve = LiveCurve(item, name or key, self.log_y)
        if symbol is None:
            curve.auto_markers = True
            item.setSymbolSize(5)
            item.setSymbolPen(pen)
            item.setSymbolBrush(pg.mkBrush(qcolor))
        self.curves[key] = curve
        self._update_legend()
        return curve

    def remove_curve(self, key: str) -> None:
        curve = self.curves.pop(key, None)
        if curve is not None:
            if curve.shown:
                self.getPlotItem().removeItem(curve.item)
            self._update_legend()
            self._range = None  # may shrink now
            if self._follow:
                self._follow_data()

    def set_shown(self, key: str, shown: bool) -> None:
        """Draw the curve or not (its data stays); hidden curves leave the legend too."""
        curve = self.curves[key]
        if curve.shown == shown:
            return
        curve.shown = shown
        plot_item = self.getPlotItem()
        if shown:
            plot_item.addItem(curve.item)
            curve.item.setDownsampling(auto=True, method="peak")
            curve.item.setClipToView(True)
        else:
            plot_item.removeItem(curve.item)
        self._update_legend()
        self._range = None
        if self._follow:
            self._follow_data()

    def clear_curves(self, prefix: str = "") -> None:
        for key in [k for k in self.curves if k.startswith(prefix)]:
            self.remove_curve(key)

    def refresh(self) -> bool:
        """Redraw curves that got new points since the last call; True when any did."""
        changed = False
        for curve in self.curves.values():
            changed |= curve.refresh()
        view = self.getPlotItem().getViewBox()
        if any(view.autoRangeEnabled()):  # the "A" button / View All: follow the data again
            view.disableAutoRange()
            self._follow, self._range, changed = True, None, True
        if changed and self._follow:
            self._follow_data()
        return changed

    def _update_legend(self) -> None:
        named = [c for c in self.curves.values() if c.item.name() and c.shown]
        self._legend.setColumnCount(max(1, min(3, len(named))))
        self._legend.setVisible(len(named) > 1)
        # A hidden legend gives its row back to the plot.
        self._legend.setMaximumHeight(16777215 if len(named) > 1 else 0)

    def set_x_hint(self, x_max: float | None) -> None:
        """The planned end of the run: the growing x axis stops there."""
        if x_max != self.x_hint:
            self.x_hint = x_max
            self._range = None
            if self._follow:
                self._follow_data()

    def _follow_data(self) -> None:
        bounds = Bounds()
        for curve in self.curves.values():
            if curve.shown:
                bounds.merge(curve.bounds)
        if bounds.empty:
            return
        xr = growing_x_range(bounds.x0, bounds.x1, self.x_hint)
        non_negative = bounds.y0 >= 0 and not self.log_y
        target = (xr, y_range(bounds.y0, bounds.y1, non_negative))
        if target != self._range:
            self._range = target
            self.getPlotItem().getViewBox().setRange(
                xRange=target[0], yRange=target[1], padding=0, update=True
            )

    def _on_manual_range(self, *_args) -> None:
        self._follow = False

    def _on_x_range(self, *_args) -> None:
        for curve in self.curves.values():
            curve.on_view_changed()

    def point_count(self, key: str) -> int:
        return len(self.curves[key]) if key in self.curves else 0

    # ---- export ---------------------------------------------------------------------------
    def _add_export_menu(self) -> None:
        # One way to export: ours (sized PNG, SVG, all points as CSV), not pyqtgraph's as well.
        self.getPlotItem().scene().contextMenu = []
        menu = self.getPlotItem().getViewBox().menu
        menu.addSeparator()
        for fmt in ("png", "svg", "csv"):
            action = menu.addAction(f"Export {fmt.upper()}…")
            action.triggered.connect(lambda _=False, f=fmt: self._export_interactive(f))

    def export(self, path: str | Path, fmt: str | None = None, width: int = PNG_WIDTH) -> None:
        """Write the plot to ``path`` as PNG (``width`` pixels wide), SVG or CSV (by ``fmt`` or
        the file suffix)."""
        fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
        if fmt == "png":
            export_png(self, path, width)
        elif fmt == "svg":
            export_svg(self, path, self.title)
        elif fmt == "csv":
            export_csv(
                ((c.name, c.series.x, c.series.y) for c in self.curves.values() if len(c)), path
            )
        else:
            raise ValueError(f"unknown export format {fmt!r} (png, svg or csv)")

    def _export_interactive(self, fmt: str) -> None:
        width = ask_png_width(self) if fmt == "png" else PNG_WIDTH
        path = ask_export_path(self, self.title, fmt) if width else None
        if path is None:
            return
        try:
            self.export(path, fmt, width)
        except (OSError, ValueError) as exc:
            warn(
                self, "Export failed", f"Could not export the plot:\n{exc}"
            )  # a path the user typed


def finite_or_nan(value) -> float:
    """A float for plotting (None becomes NaN so a gap shows instead of an error)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float(np.nan)
