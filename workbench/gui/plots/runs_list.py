"""The runs of this project (name, status, best metric, duration); ticking one overlays it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from workbench.core.run_history import RunRow, format_duration, list_project_runs
from workbench.gui.plain_text import as_plain
from workbench.gui.plots.colors import LIVE, pick_color, run_color

KEY = Qt.ItemDataRole.UserRole


class RunsList(QTreeWidget):
    """Checkable list of runs. ``toggled(key, label, colour, checked)`` when a tick changes."""

    toggled = Signal(str, str, str, bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Run", "Status", "Best", "Duration"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setToolTip("Runs of this project. Tick runs to overlay their curves on the plots.")
        self.itemChanged.connect(self._on_item_changed)
        self._loading = False
        self._colors: dict[str, str] = {}  # overlaid run → its colour, unique among those shown

    def checked_keys(self) -> list[str]:
        return [
            self.topLevelItem(i).data(0, KEY)
            for i in range(self.topLevelItemCount())
            if self.topLevelItem(i).checkState(0) == Qt.CheckState.Checked
        ]

    def reload(
        self,
        root: Path,
        legacy: list[Path] | None = None,
        project_name: str = "",
        live_key: str | None = None,
    ) -> None:
        """Re-read the run store; keeps ticks of runs that are still there."""
        self.set_rows(list_project_runs(root, legacy or [], project_name), live_key, project_name)

    def set_rows(
        self, rows: list[RunRow], live_key: str | None = None, project_name: str = ""
    ) -> None:
        checked = set(self.checked_keys())
        self._loading = True
        try:
            self.clear()
            for row in rows:
                label = short_label(row.name, project_name)
                duration = format_duration(row.duration_s)
                item = QTreeWidgetItem([label, row.status, row.best, duration])
                item.setData(0, KEY, row.key)
                live = row.key == live_key
                color = LIVE if live else self._colors.get(row.key, run_color(row.key))
                item.setForeground(0, QBrush(QColor(color)))
                item.setToolTip(0, as_plain(f"{row.name}\n{row.key}"))
                if live:
                    item.setText(0, f"{label} (this run)")
                    item.setText(1, "running")
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
                else:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    state = Qt.CheckState.Checked if row.key in checked else Qt.CheckState.Unchecked
                    item.setCheckState(0, state)
                self.addTopLevelItem(item)
        finally:
            self._loading = False
        for col in range(4):
            self.resizeColumnToContents(col)
        gone = checked - {r.key for r in rows}
        for key in gone:
            self._colors.pop(key, None)
            self.toggled.emit(key, "", "", False)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._loading or column != 0:
            return
        key = item.data(0, KEY)
        checked = item.checkState(0) == Qt.CheckState.Checked
        if checked:
            color = self._colors.setdefault(key, pick_color(set(self._colors.values())))
            item.setForeground(0, QBrush(QColor(color)))
        else:
            color = self._colors.pop(key, run_color(key))
        self.toggled.emit(key, f"run {item.text(0)}", color, checked)


def short_label(name: str, project_name: str) -> str:
    """``seed-lstm-20261127-140455`` → ``11-27 14:04:55`` (the project is known here)."""
    stem = (
        name[len(project_name) + 1 :]
        if project_name and name.startswith(project_name + "-")
        else name
    )
    parts = stem.split("-")
    if (
        len(parts) >= 2
        and len(parts[0]) == 8
        and len(parts[1]) == 6
        and (parts[0] + parts[1]).isdigit()
    ):
        date, clock = parts[0], parts[1]
        extra = "-".join(parts[2:])
        text = f"{date[4:6]}-{date[6:8]} {clock[:2]}:{clock[2:4]}:{clock[4:]}"
        return f"{text} #{extra}" if extra else text
    return stem
