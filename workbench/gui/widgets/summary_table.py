"""The live model summary: the same rows and totals as ``workbench summary``, as a table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.models.summary import format_bytes, summarize
from workbench.core.spec.project import ProjectSpec

_COLUMNS = ("Layer (type)", "Output shape", "Params", "FLOPs/step", "Act. mem/step")
#: Bytes per parameter while training with Adam: weight + gradient + two moment buffers.
_TRAIN_BYTES_PER_PARAM = 16


class SummaryTable(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(_COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.table)
        layout.addWidget(self.totals)
        layout.addStretch(1)
        self.total_params = 0

    def _fit_height(self) -> None:
        """As tall as its rows: the totals sit right under the table, not at the bottom."""
        rows = sum(self.table.rowHeight(i) for i in range(self.table.rowCount()))
        frame = 2 * self.table.frameWidth() + self.table.horizontalHeader().height()
        self.table.setFixedHeight(rows + frame + 2)

    def show_spec(self, spec: ProjectSpec, steps: int | None = None) -> None:
        """Recompute from the spec; ``steps`` (sequence length of the data) sizes the memory."""
        try:
            summary = summarize(spec.model)
        except (KeyError, ValueError, ZeroDivisionError, IndexError):
            # A half-edited spec (e.g. no blocks): the problems list says what is wrong.
            self.table.setRowCount(0)
            self.totals.setText("The summary appears once the model is valid.")
            self.total_params = 0
            return
        self.table.setRowCount(len(summary.rows))
        for i, row in enumerate(summary.rows):
            cells = (
                f"{row.name} ({row.kind})",
                row.output_shape,
                f"{row.params:,}",
                f"{row.flops_per_step:,}" + (" /seq" if row.per_sequence else ""),
                format_bytes(row.activation_bytes_per_step),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, col, item)
        self._fit_height()
        self.total_params = summary.total_params
        batch = spec.train.batch_size
        lines = [
            f"<b>Total params: {summary.total_params:,}</b> ({format_bytes(summary.param_bytes)})",
            f"FLOPs per time step: {summary.flops_per_step:,}",
            "Activation memory per sample and step: "
            f"{format_bytes(summary.activation_bytes_per_step)}",
        ]
        if steps:
            activations = summary.activation_bytes_per_step * batch * steps
            weights = summary.total_params * _TRAIN_BYTES_PER_PARAM
            lines.append(
                f"Estimated training memory (batch {batch} × {steps} steps, Adam): "
                f"<b>{format_bytes(activations + weights)}</b>"
            )
        lines.append("<span style='color: gray'>B = batch, T = time steps</span>")
        self.totals.setText("<br>".join(lines))
