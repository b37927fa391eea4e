"""Views of a trained run's results: predictions on a file, and the Evaluate view (test-split
confusion matrix, per-class table, misclassified examples, forecast overlay). They show plain
NumPy results computed by ``core.serving`` on a worker thread; they compute nothing heavy."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.plain_text import plain_label

#: Rows shown in a table (the saved file holds them all).
MAX_ROWS = 1000


def _fill_table(table: QTableWidget, header: list[str], rows: list[list[Any]]) -> None:
    table.setColumnCount(len(header))
    table.setHorizontalHeaderLabels(header)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = (
                f"{value:.4g}"
                if isinstance(value, float)
                else ("" if value is None else str(value))
            )
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()


def _overlay(
    title: str, index: list[str], true: np.ndarray | None, pred: np.ndarray
) -> pg.PlotWidget:
    """True vs predicted (first output) over the rows, x = row number, labels from ``index``."""
    plot = pg.PlotWidget(background="w", title=title)
    plot.addLegend(offset=(10, 10))
    x = np.arange(len(pred), dtype=np.float64)
    if true is not None:
        ok = np.isfinite(true)
        plot.plot(x[ok], true[ok], pen=pg.mkPen("#1f77b4", width=1), name="true")
    plot.plot(x, pred, pen=pg.mkPen("#d62728", width=1), name="predicted")
    plot.setLabel("bottom", "row (time order)")
    step = max(1, len(index) // 6)
    plot.getAxis("bottom").setTicks([[(i, index[i]) for i in range(0, len(index), step)]])
    return plot


class PredictionsDialog(QDialog):
    """Predictions on a file: a table (first ``MAX_ROWS`` rows), a plot, Save as CSV."""

    def __init__(self, run: Any, evaluation: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from workbench.core.serving.output import rows

        self.run, self.evaluation = run, evaluation
        preds, inputs = evaluation.preds, evaluation.inputs
        self.setWindowTitle(f"Predictions — {inputs.source}")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                QLabel(f"{len(preds)} predictions by {run.path.name} ({run.checkpoint} checkpoint)")
            )
        )
        header, records = rows(preds, inputs, run.pre.vocab)
        shown = []
        for record in records:
            shown.append([record.get(h) for h in header])
            if len(shown) >= MAX_ROWS:
                break
        self.table = QTableWidget()
        _fill_table(self.table, header, shown)
        tabs = QTabWidget()
        tabs.addTab(self.table, "Table")
        if preds.values is not None:
            true = None if inputs.y is None else np.asarray(inputs.y, float)[:, 0]
            tabs.addTab(_overlay(preds.names[0], preds.index, true, preds.values[:, 0]), "Plot")
        elif preds.proba is not None and preds.proba.ndim == 2:
            plot = pg.PlotWidget(background="w", title="Predicted classes")
            counts = np.bincount(preds.predicted, minlength=len(preds.names))
            plot.addItem(
                pg.BarGraphItem(x=np.arange(len(counts)), height=counts, width=0.7, brush="#0072B2")
            )
            plot.getAxis("bottom").setTicks([list(enumerate(preds.names))])
            tabs.addTab(plot, "Plot")
        layout.addWidget(tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = QPushButton("Save as CSV…")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(lambda: self.save())
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(820, 560)

    def save(self, path: str | None = None) -> str | None:
        from workbench.core.serving.output import write

        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Save predictions",
                "predictions.csv",
                "CSV (*.csv);;NumPy (*.npy);;JSON lines (*.jsonl)",
            )
            if not path:
                return None
        write(path, self.evaluation.preds, self.evaluation.inputs, self.run.pre.vocab)
        return path


class EvaluateView(QDialog):
    """The run on its whole test split: metrics, confusion matrix and per-class table
    (classification), misclassified examples, or the forecast over the test period."""

    def __init__(self, run: Any, evaluation: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from workbench.core.serving.text import metrics_text

        self.run, self.evaluation = run, evaluation
        m = evaluation.metrics or {}
        self.setWindowTitle(f"Evaluate — {run.spec.name} ({run.path.name})")
        layout = QVBoxLayout(self)
        head = metrics_text(run.task, m).split("\n\n")[0]
        self.summary = plain_label(
            QLabel(f"{evaluation.inputs.source}, {len(evaluation.preds)} predictions\n{head}")
        )
        self.summary.setTextInteractionFlags(
            self.summary.textInteractionFlags()
            | pg.QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        if "confusion" in m:
            self._classification(m)
        elif evaluation.preds.values is not None:
            preds, inputs = evaluation.preds, evaluation.inputs
            for i, name in enumerate(preds.names[:4]):
                true = np.asarray(inputs.y, float)[:, i]
                self.tabs.addTab(
                    _overlay(f"{name}: test period", preds.index, true, preds.values[:, i]), name
                )
        self.resize(860, 600)

    def _classification(self, m: dict[str, Any]) -> None:
        from workbench.gui.plots.confusion import ConfusionView

        cm = np.asarray(m["confusion"])
        support = np.maximum(cm.sum(1), 1)
        view = SimpleNamespace(
            confusion=cm, class_names=m["classes"], per_class_accuracy=np.diag(cm) / support
        )
        self.confusion = ConfusionView()
        self.confusion.set_view(view)
        self.tabs.addTab(self.confusion, "Confusion matrix")
        table = QTableWidget()
        rows = [
            [r["class"], r["precision"], r["recall"], r["f1"], r["support"], r["roc_auc"]]
            for r in m["per_class"]
        ]
        for avg in ("macro", "weighted"):
            rows.append(
                [f"{avg} avg", m[avg]["precision"], m[avg]["recall"], m[avg]["f1"], None, None]
            )
        _fill_table(table, ["class", "precision", "recall", "F1", "support", "ROC-AUC"], rows)
        self.per_class = table
        self.tabs.addTab(table, "Per class")
        preds, inputs = self.evaluation.preds, self.evaluation.inputs
        if preds.proba is not None and preds.proba.ndim == 2:
            wrong = np.flatnonzero(preds.predicted != np.asarray(inputs.y))
            names = preds.names
            rows = [
                [
                    preds.index[i],
                    names[int(inputs.y[i])],
                    names[int(preds.predicted[i])],
                    float(preds.proba[i].max()),
                ]
                for i in wrong[:MAX_ROWS]
            ]
            self.misclassified = QTableWidget()
            self.wrong = wrong[:MAX_ROWS]
            _fill_table(self.misclassified, ["sequence", "true", "predicted", "confidence"], rows)
            self.misclassified.setToolTip("Double-click a row to see that sequence in Inspect")
            self.misclassified.cellDoubleClicked.connect(
                lambda row, _col: self.show_in_inspect(row)
            )
            self.tabs.addTab(self.misclassified, f"Misclassified ({len(wrong)})")

    def show_in_inspect(self, row: int) -> Any:
        """Open misclassified test sequence ``row`` of the table in the window's Inspect tab
        (hidden states, gates, gradient flow from the same checkpoint)."""
        from workbench.gui.panels.inspect_load import load_run_into

        window = self.parent()
        panel = getattr(window, "inspect_panel", None)
        if panel is None:
            return None
        job = load_run_into(panel, self.run.path, split="test", indices=[int(self.wrong[row])])
        tabs = getattr(window, "tabs", None)
        if tabs is not None:
            tabs.setCurrentWidget(panel)
        return job
