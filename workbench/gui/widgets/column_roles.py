"""Column roles of a table file: one row per column with its role (feature / target /
sequence id / time / ignore / auto). The roles live in the data spec's column fields."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

ROLES = ("auto", "feature", "target", "sequence id", "time", "ignore")


def column_role(data: Any, column: str) -> str:
    if column in data.target_columns:
        return "target"
    if column in data.feature_columns:
        return "feature"
    if column == data.id_column:
        return "sequence id"
    if column == data.time_column:
        return "time"
    if column in data.ignore_columns:
        return "ignore"
    return "auto"


def with_role(data: Any, column: str, role: str) -> Any:
    """A copy of the data spec with ``column`` given ``role`` (and removed from the others)."""
    data = copy.deepcopy(data)
    for name in ("feature_columns", "target_columns", "ignore_columns"):
        setattr(data, name, [c for c in getattr(data, name) if c != column])
    if data.id_column == column:
        data.id_column = None
    if data.time_column == column:
        data.time_column = None
    if role == "feature":
        data.feature_columns.append(column)
    elif role == "target":
        data.target_columns.append(column)
    elif role == "ignore":
        data.ignore_columns.append(column)
    elif role == "sequence id":
        data.id_column = column
    elif role == "time":
        data.time_column = column
    return data


class ColumnRoles(QTableWidget):
    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self._doc = document
        self._columns: list[str] = []
        self.setObjectName("column_roles")
        self.setHorizontalHeaderLabels(["Column", "Role"])
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # ResizeToContents ignores cell widgets (the role combos were clipped to "a ▾"):
        # the column is as wide as the widest role's combo, set in set_columns.
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.setToolTip(
            "What each column is. auto: the loader decides (targets from the task, "
            "the rest are features)."
        )
        document.changed.connect(self.refresh)
        document.read_only_changed.connect(self.refresh)

    def set_columns(self, columns: list[str]) -> None:
        columns = [str(c) for c in columns]
        if columns == self._columns:
            return
        self._columns = columns
        self.setColumnWidth(1, 0)
        self.setRowCount(len(columns))
        for i, column in enumerate(columns):
            self.setItem(i, 0, QTableWidgetItem(column))
            combo = QComboBox()
            combo.addItems(ROLES)
            combo.setObjectName(f"role_{column}")
            combo.activated.connect(
                lambda _i, c=column, box=combo: self._set_role(c, box.currentText())
            )
            self.setCellWidget(i, 1, combo)
            self.setColumnWidth(1, max(self.columnWidth(1), combo.sizeHint().width() + 4))
        # As tall as its rows (up to ten), so the groups below stay in view.
        rows = sum(self.rowHeight(i) for i in range(min(len(columns), 10)))
        self.setFixedHeight(rows + self.horizontalHeader().height() + 2 * self.frameWidth() + 2)
        self.refresh()

    def columns(self) -> list[str]:
        return list(self._columns)

    def role_box(self, column: str) -> QComboBox:
        return self.cellWidget(self._columns.index(column), 1)

    def _set_role(self, column: str, role: str) -> None:
        if self._doc.read_only:
            self.refresh()
            return
        spec = copy.deepcopy(self._doc.spec)
        spec.data = with_role(spec.data, column, role)
        self._doc.set_spec(spec, f"Make column {column!r} {role}")

    def refresh(self) -> None:
        data = self._doc.spec.data
        for i, column in enumerate(self._columns):
            combo = self.cellWidget(i, 1)
            if combo is None:
                continue
            combo.blockSignals(True)
            combo.setCurrentText(column_role(data, column))
            combo.setEnabled(not self._doc.read_only)
            combo.blockSignals(False)
