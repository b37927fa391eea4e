"""The data panel's preview: a plot of a few sequences (with the window and the train / val /
test split shaded on a windowed series), the first rows as a table, and the summary text.

pyqtgraph takes most of a second to import, so the plot is created on first use
(``ensure_plot``), after the window is on screen.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.plain_text import plain_label

_SPLIT_COLORS = {"train": (46, 125, 50, 40), "val": (239, 108, 0, 50), "test": (106, 27, 154, 45)}
_CURVE_COLORS = (
    "#1565c0",
    "#c62828",
    "#2e7d32",
    "#6a1b9a",
    "#ef6c00",
    "#00838f",
    "#5d4037",
    "#ad1457",
    "#9e9d24",
    "#37474f",
)
#: "All features" draws at most this many (the caption says when there are more).
_MAX_FEATURES = 12
ALL = -1


class DataPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.plot_host = QWidget()
        self._plot_layout = QVBoxLayout(self.plot_host)
        self._plot_layout.setContentsMargins(0, 0, 0, 0)
        self.plot_caption = plain_label(QLabel("Loading the plot…"))
        self.plot_caption.setWordWrap(True)
        self.plot_caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.feature_picker = QComboBox()
        self.feature_picker.setObjectName("feature_picker")
        self.feature_picker.setToolTip("Which feature (column) the preview plots")
        self.feature_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.feature_picker.activated.connect(lambda _i: self._redraw())
        picker_row = QHBoxLayout()
        picker_row.addWidget(QLabel("Plot"))
        picker_row.addWidget(self.feature_picker)
        picker_row.addStretch(1)
        self._picker_names: list[str] = []
        self._plot_layout.addLayout(picker_row)
        self._plot_layout.addWidget(self.plot_caption)
        self.plot: Any = None
        # Shown instead of the plot for data without numbers to draw (text).
        self.text_sample = QPlainTextEdit()
        self.text_sample.setObjectName("text_sample")
        self.text_sample.setReadOnly(True)
        self.text_sample.hide()
        self._plot_layout.addWidget(self.text_sample, 1)
        self.rows = QTableWidget()
        self.rows.setObjectName("preview_rows")
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows.setAlternatingRowColors(True)
        self.summary_text = QPlainTextEdit()
        self.summary_text.setObjectName("data_summary")
        self.summary_text.setReadOnly(True)
        self.summary_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.summary_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        bottom = QTabWidget()
        bottom.addTab(self.summary_text, "Summary")
        bottom.addTab(self.rows, "First rows")
        self.bottom_tabs = bottom
        self.splitter.addWidget(self.plot_host)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter)
        self._summary: Any = None
        self._sized = False

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._sized:  # the plot gets the larger share at first; the user may drag
            self._sized = True
            height = max(self.height(), 400)
            self.splitter.setSizes([int(height * 0.55), int(height * 0.45)])

    # ---- plot (created lazily) -------------------------------------------------------------
    def ensure_plot(self) -> None:
        if self.plot is not None:
            return
        import pyqtgraph as pg

        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("preview_plot")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMinimumHeight(180)
        # One row across the top, over the head room the plot keeps free of data.
        legend = self.plot.addLegend(offset=(10, 2), labelTextSize="8pt")
        legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        self._plot_layout.addWidget(self.plot, 1)
        if self._summary is not None:
            self._draw(self._summary)

    # ---- showing a summary -----------------------------------------------------------------
    def clear(self, message: str = "") -> None:
        self._summary = None
        self._picker_names = []
        self.feature_picker.clear()
        self.feature_picker.setEnabled(False)
        self.rows.clear()
        self.rows.setRowCount(0)
        self.rows.setColumnCount(0)
        self.summary_text.setPlainText(message)
        self.plot_caption.setText(message)
        self.text_sample.hide()
        if self.plot is not None:
            self.plot.clear()
            self.plot.hide()  # no empty axes where the data would be

    def _set_features(self, names: list[str], start_with_all: bool = True) -> None:
        """Offer "all features" and each one; keep the choice when the names stay the same."""
        if names == self._picker_names:
            return
        self._picker_names = list(names)
        self.feature_picker.clear()
        if len(names) > 1:
            self.feature_picker.addItem(f"all {len(names)} features", ALL)
        for i, name in enumerate(names):
            self.feature_picker.addItem(str(name), i)
        # Many sequences × all features is a tangle: those start on the first feature.
        first = 0 if start_with_all or len(names) == 1 else 1
        self.feature_picker.setCurrentIndex(first)
        self.feature_picker.setEnabled(len(names) > 1)

    def picked_features(self, count: int) -> list[int]:
        """The feature columns to draw (of ``count``)."""
        choice = self.feature_picker.currentData()
        if choice is None or choice == ALL or choice >= count:
            return list(range(min(count, _MAX_FEATURES)))
        return [int(choice)]

    def pick_feature(self, name: str) -> None:
        """Show one feature by name ('' = all of them)."""
        index = self.feature_picker.findText(name) if name else 0
        self.feature_picker.setCurrentIndex(max(index, 0))
        self._redraw()

    def _redraw(self) -> None:
        if self.plot is not None and self._summary is not None:
            self._draw(self._summary)

    def show_summary(self, summary: Any) -> None:
        self._summary = summary
        self.summary_text.setPlainText(summary.to_text())
        header = list(summary.preview_header)
        rows = summary.preview_shown()  # raw cells, with what they were read as
        width = max([len(header)] + [len(r) for r in rows]) if (header or rows) else 0
        self.rows.clear()
        self.rows.setColumnCount(width)
        self.rows.setRowCount(len(rows))
        if header:
            self.rows.setHorizontalHeaderLabels([str(h) for h in header])
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                self.rows.setItem(i, j, QTableWidgetItem(str(cell)))
        self.rows.resizeColumnsToContents()
        if self.plot is not None:
            self._draw(summary)

    def _draw(self, summary: Any) -> None:
        import numpy as np
        import pyqtgraph as pg

        plot = self.plot
        plot.enableAutoRange(x=True)
        plot.clear()
        plot.show()
        self.text_sample.hide()
        legend = plot.plotItem.legend
        if legend is not None:
            legend.clear()
        sizes = summary.split_sizes or {}
        split_text = ", ".join(f"{k} {v:,}" for k, v in sizes.items())
        series = getattr(summary, "series", None)
        if series is not None and len(series):
            series = np.asarray(series, dtype=np.float64)
            if series.ndim == 1:
                series = series[:, None]
            x = np.arange(series.shape[0], dtype=np.float64)
            names = list(summary.series_names) or [f"column {i}" for i in range(series.shape[1])]
            self._set_features(names[: series.shape[1]])
            columns = self.picked_features(series.shape[1])
            shown = series[:, columns]
            finite = np.isfinite(shown).any()
            top = float(np.nanmax(shown)) if finite else 1.0
            bottom = float(np.nanmin(shown)) if finite else 0.0
            # Head room above the curves for the split labels.
            plot.setYRange(bottom, top + 0.2 * max(top - bottom, 1e-9), padding=0.02)
            self._shade_splits(summary, len(x), top)
            for j in columns:
                pen = pg.mkPen(_CURVE_COLORS[j % len(_CURVE_COLORS)], width=1)
                plot.plot(x, series[:, j], pen=pen, name=names[j] if j < len(names) else None)
            if legend is not None:
                legend.setColumnCount(min(6, len(columns)))
            window = summary.window or 0
            horizon = summary.horizon or 0
            if window:
                first = pg.LinearRegionItem(
                    (0, window), movable=False, brush=pg.mkBrush(21, 101, 192, 60)
                )
                first.setZValue(-5)
                plot.addItem(first)
                label = pg.TextItem("← first window", color="#0d47a1", anchor=(0, 0))
                label.setPos(window, top)
                plot.addItem(label)
            plot.setLabel("bottom", "time step")
            more = series.shape[1] - len(columns)
            self.plot_caption.setText(
                f"One series of {len(x):,} steps cut into windows of {window} "
                f"(+{horizon} ahead); shading: train / val / test ({split_text})."
                + (
                    f" {more} more features: pick one above."
                    if more > 0 and len(columns) > 1
                    else ""
                )
            )
            return
        sequences = list(getattr(summary, "preview_series", []) or [])
        if not sequences:
            plot.hide()
            lines = [" ".join(str(c) for c in row) for row in summary.preview_rows]
            self.text_sample.setPlainText("\n".join(lines))
            self.text_sample.show()
            self.plot_caption.setText(
                f"The start of the data ({summary.format}); splits: {split_text}."
            )
            return
        width = max(np.asarray(seq).reshape(len(seq), -1).shape[1] for seq in sequences)
        names = list(summary.feature_names)[:width] or [f"feature {i}" for i in range(width)]
        self._set_features(names, start_with_all=False)
        columns = self.picked_features(width)
        labels = list(getattr(summary, "preview_labels", []) or [])
        classes = list(dict.fromkeys(labels))
        named: set[str] = set()
        for i, seq in enumerate(sequences):
            seq = np.asarray(seq, dtype=np.float64)
            if seq.ndim == 1:
                seq = seq[:, None]
            # One colour per class (the legend names the classes), else one per sequence.
            if i < len(labels):
                color, legend = (
                    _CURVE_COLORS[classes.index(labels[i]) % len(_CURVE_COLORS)],
                    labels[i],
                )
            else:
                color, legend = _CURVE_COLORS[i % len(_CURVE_COLORS)], f"sequence {i}"
            pen = pg.mkPen(color, width=1)
            steps = np.arange(len(seq), dtype=np.float64)
            for j in columns:
                if j < seq.shape[1]:
                    name = None if legend in named else legend
                    named.add(legend)
                    plot.plot(steps, seq[:, j], pen=pen, name=name)
        drawn = [np.asarray(q, dtype=np.float64).reshape(len(q), -1) for q in sequences]
        values = np.concatenate(
            [q[:, [j for j in columns if j < q.shape[1]]].ravel() for q in drawn]
        )
        values = values[np.isfinite(values)]
        if values.size:  # head room above the curves for the legend
            low, high = float(values.min()), float(values.max())
            plot.setYRange(low, high + 0.25 * max(high - low, 1e-9), padding=0.02)
        legend = plot.plotItem.legend
        if legend is not None:
            legend.setColumnCount(min(6, max(1, len(named))))
        plot.setLabel("bottom", "time step")
        what = names[columns[0]] if len(columns) == 1 else f"{len(columns)} features"
        by = f", coloured by class ({len(classes)} shown)" if classes else ""
        self.plot_caption.setText(
            f"{len(sequences)} sequences ({what}){by}; "
            f"{summary.n_sequences:,} in all, split {split_text}."
        )

    def _shade_splits(self, summary: Any, length: int, top: float) -> None:
        import pyqtgraph as pg

        bounds = list(summary.split_bounds or [])
        edges = [0, *bounds, length][:4]
        while len(edges) < 4:
            edges.append(length)
        for name, start, end in zip(("train", "val", "test"), edges[:-1], edges[1:]):
            if end <= start:
                continue
            region = pg.LinearRegionItem(
                (start, end), movable=False, brush=pg.mkBrush(*_SPLIT_COLORS[name])
            )
            region.setZValue(-10)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
            self.plot.addItem(region)
            # Labels above the curves, so they never hide the data.
            text = pg.TextItem(name, color=_SPLIT_COLORS[name][:3], anchor=(0.5, 1))
            text.setPos((start + end) / 2, top)
            self.plot.addItem(text)
