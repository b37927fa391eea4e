"""The Runs tab: every run of the project in one sortable, filterable table.

Columns are the run's name, status, duration, its final metrics and only the settings that
differ between the runs listed (``core.run_summary.table_columns``); a column chooser hides or
shows any of them. Two selected runs show the diff of their full settings; a double-click opens
a run's settings as the project (one undoable step). Rename, notes and tags, star, delete (with
undo), resume a stopped run and load a finished one into Inspect act on the selection.
Below the table, *Sweep* (``gui.sweep_pane``) edits, runs and charts the project's sweep.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QFontDatabase, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core import run_store as store
from workbench.core.errors import WorkbenchError
from workbench.core.run_summary import (
    Column,
    RunSummary,
    format_duration,
    list_summaries,
    settings_diff,
    table_columns,
)
from workbench.gui.plain_text import as_plain, plain_label, warn

SORT = Qt.ItemDataRole.UserRole + 1
KEY = Qt.ItemDataRole.UserRole + 2
RESUMABLE = ("stopped", "interrupted", "failed")


class RunsPanel(QWidget):
    """The runs table of the open project. Signals carry the run folder as a string."""

    open_settings_requested = Signal(str)
    resume_requested = Signal(str)
    inspect_requested = Signal(str)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.runs: list[RunSummary] = []
        self.columns: list[Column] = []
        self.hidden: set[str] = set()  # column keys the user hid
        self.picked: set[str] = set()  # columns hidden by default that the user showed
        self._column_actions: list[QAction] = []
        self.last_deleted: Path | None = None
        self._listed: tuple = ()  # what the table shows, to skip rebuilding it unchanged
        self._build()
        document.spec_replaced.connect(self.reload)
        if hasattr(document, "runs_root_changed"):
            document.runs_root_changed.connect(self.reload)
        self.reload()

    # ---- building -------------------------------------------------------------------------
    def _button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        action = QAction(text, self)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        button.setDefaultAction(action)
        return button

    def _build(self) -> None:
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter runs (name, status, tags, any value)")
        self.filter_edit.setClearButtonEnabled(True)
        # A push button with a menu: a tool button's popup arrow is drawn over its text.
        self.columns_button = QPushButton("Columns")
        self.columns_menu = QMenu(self.columns_button)
        self.columns_button.setMenu(self.columns_menu)
        self.buttons = {
            "rename": self._button("Rename…", "Give the selected run a new name", self.rename),
            "notes": self._button("Notes…", "Notes and tags of the selected run", self.annotate),
            "star": self._button("Star", "Star or unstar the selected runs", self.toggle_star),
            "delete": self._button("Delete", "Move the selected runs to the trash", self.delete),
            "undo": self._button(
                "Undo delete", "Bring the last deleted run back", self.undo_delete
            ),
            "resume": self._button("Resume", "Continue a stopped run", self._resume),
            "inspect": self._button("Inspect", "Load the run into the Inspect tab", self._inspect),
            "open": self._button(
                "Open settings", "Make the run's settings the project's", self._open_settings
            ),
        }
        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.columns_button)
        for button in self.buttons.values():
            bar.addWidget(button)

        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _index: self._open_settings())
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.diff = QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))  # columns
        self.diff.setPlaceholderText("Select two runs to see how their settings differ.")
        self.status = plain_label(QLabel(""))  # names runs and folders
        from workbench.gui.sweep_pane import SweepPane

        self.sweep = SweepPane(self)
        self.sweep.open_run_requested.connect(self.open_settings_requested)
        self.below = QTabWidget()
        self.below.addTab(self.diff, "Compare")
        self.below.addTab(self.sweep, "Sweep")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.below)
        split.setSizes([480, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        # Runs made meanwhile (a sweep on the command line, another window) show on each visit.
        super().showEvent(event)
        self.reload()

    # ---- contents -------------------------------------------------------------------------
    def refresh(self) -> bool:
        """List the store again and rebuild the table only if a run changed (a running sweep
        calls this every second; listing is a few stat calls per run once cached)."""
        runs = self._list()
        if _fingerprint(runs) == self._listed:
            self.runs = runs
            return False
        self.reload(runs)
        return True

    def _list(self) -> list[RunSummary]:
        root = self.document.runs_root()
        legacy = self.document.legacy_runs_roots()
        return list_summaries(root, legacy, self.document.spec.name)

    def reload(self, runs: list[RunSummary] | None = None) -> None:
        """Read the project's run store again (keeps the sort and the hidden columns)."""
        keep = [r.key for r in self.selected()] if self.runs else []
        root = self.document.runs_root()
        self.runs = self._list() if runs is None else runs
        self._listed = _fingerprint(self.runs)
        self.columns = table_columns(self.runs)
        # Cells are set through the model, never as Python QStandardItem objects: clear()
        # deletes items behind PySide6's back, and a stale item wrapper was later handed out
        # for a new QAction at the same address ("QStandardItem has no attribute triggered").
        self.model.clear()
        self.model.setHorizontalHeaderLabels([c.header for c in self.columns])
        tooltip = Qt.ItemDataRole.ToolTipRole
        for i, column in enumerate(self.columns):
            self.model.setHeaderData(i, Qt.Orientation.Horizontal, as_plain(column.key), tooltip)
        self.model.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            for col, column in enumerate(self.columns):
                self.model.setItemData(self.model.index(row, col), self._cell(run, column))
        self._fill_columns_menu()
        self.table.resizeColumnsToContents()
        where = f"{len(self.runs)} run{'s' if len(self.runs) != 1 else ''} in {root}"
        self.status.setText(where if self.runs else f"No runs yet in {root}")
        if keep:
            self.select_keys(keep)
        self._on_selection()

    def _cell(self, run: RunSummary, column: Column) -> dict[int, object]:
        """The cell's data by role."""
        value = column.value(run)
        if column.key == "duration":
            text = format_duration(value)
        elif isinstance(value, float):
            text = "" if not math.isfinite(value) else f"{value:.4g}"
        else:
            text = "" if value is None else str(value)
        cell: dict[int, object] = {
            Qt.ItemDataRole.DisplayRole: text,
            SORT: value if isinstance(value, int | float) else text.lower(),
            KEY: run.key,
        }
        if column.key == "name":
            notes = f"\n\n{run.meta.notes}" if run.meta.notes else ""
            cell[Qt.ItemDataRole.ToolTipRole] = as_plain(f"{run.name}\n{run.path}{notes}")
        if isinstance(value, int | float) and column.key != "starred":
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            cell[Qt.ItemDataRole.TextAlignmentRole] = int(right.value)
        return cell

    def _fill_columns_menu(self) -> None:
        # Our own actions, removed and deleted explicitly: QMenu.clear() on actions the menu
        # made itself crashed PySide6 6.11 after a few reloads (the wrappers outlived them).
        for old in self._column_actions:
            self.columns_menu.removeAction(old)
            old.deleteLater()
        self._column_actions = []
        for i, column in enumerate(self.columns):
            action = QAction(column.key if column.kind == "setting" else column.header, self)
            self.columns_menu.addAction(action)
            self._column_actions.append(action)
            action.setCheckable(True)
            hidden = column.key in self.hidden or (column.hidden and column.key not in self.picked)
            action.setChecked(not hidden)
            action.toggled.connect(lambda on, key=column.key: self.set_column_visible(key, on))
            self.table.setColumnHidden(i, hidden)

    def set_column_visible(self, key: str, visible: bool) -> None:
        (self.hidden.discard if visible else self.hidden.add)(key)
        (self.picked.add if visible else self.picked.discard)(key)
        for i, column in enumerate(self.columns):
            if column.key == key:
                self.table.setColumnHidden(i, not visible)

    def column_keys(self, visible_only: bool = True) -> list[str]:
        return [
            c.key
            for i, c in enumerate(self.columns)
            if not (visible_only and self.table.isColumnHidden(i))
        ]

    # ---- selection ------------------------------------------------------------------------
    def selected(self) -> list[RunSummary]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        keys = [self.proxy.index(r, 0).data(KEY) for r in rows]
        by_key = {r.key: r for r in self.runs}
        return [by_key[k] for k in keys if k in by_key]

    def select_keys(self, keys: list[str]) -> None:
        selection = self.table.selectionModel()
        selection.clear()
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(KEY) in keys:
                selection.select(
                    self.proxy.index(row, 0),
                    selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                )

    def _on_selection(self, *_args) -> None:
        chosen = self.selected()
        one = len(chosen) == 1
        for name in ("rename", "notes", "inspect", "open"):
            self.buttons[name].setEnabled(one)
        self.buttons["resume"].setEnabled(one and chosen[0].status in RESUMABLE)
        self.buttons["star"].setEnabled(bool(chosen))
        self.buttons["delete"].setEnabled(bool(chosen))
        self.buttons["undo"].setEnabled(self.last_deleted is not None)
        if len(chosen) == 2:
            self.diff.setPlainText(diff_text(chosen[0], chosen[1]))
        else:
            self.diff.clear()

    # ---- actions --------------------------------------------------------------------------
    def _act(self, action) -> Any:
        try:
            return action()
        except WorkbenchError as exc:
            warn(self, "Runs", f"{exc.message}\n\n{exc.hint}".strip())
            return None
        finally:
            self.reload()

    def rename(self, name: str | None = None) -> None:
        (run,) = self.selected() or (None,)
        if run is None:
            return
        if name is None:
            name, ok = QInputDialog.getText(self, "Rename run", "Name", text=run.name)
            if not ok:
                return
        self._act(lambda: store.update_meta(run.path, name=name))
        self.select_keys([run.key])

    def annotate(self, notes: str | None = None, tags: list[str] | None = None) -> None:
        (run,) = self.selected() or (None,)
        if run is None:
            return
        if notes is None:
            notes, ok = QInputDialog.getMultiLineText(
                self, "Notes", as_plain(run.name), run.meta.notes
            )
            if not ok:
                return
            text, ok = QInputDialog.getText(
                self, "Tags", "Tags, separated by commas", text=", ".join(run.meta.tags)
            )
            if not ok:
                return
            tags = [t.strip() for t in text.split(",") if t.strip()]
        self._act(lambda: store.update_meta(run.path, notes=notes, tags=tags or []))
        self.select_keys([run.key])

    def toggle_star(self) -> None:
        chosen = self.selected()
        on = not all(r.meta.starred for r in chosen)
        for run in chosen:
            self._act(lambda run=run: store.update_meta(run.path, starred=on))
        self.select_keys([r.key for r in chosen])

    def delete(self) -> None:
        for run in self.selected():
            trashed = self._act(lambda run=run: store.delete_run(run.path))
            if trashed is not None:
                self.last_deleted = trashed
                self.status.setText(f"Moved {run.name} to the trash — Undo delete brings it back")
        self._on_selection()

    def undo_delete(self) -> None:
        if self.last_deleted is not None:
            trashed, self.last_deleted = self.last_deleted, None
            self._act(lambda: store.restore_run(trashed))

    def _one(self) -> str | None:
        chosen = self.selected()
        return chosen[0].key if len(chosen) == 1 else None

    def _resume(self) -> None:
        if key := self._one():
            self.resume_requested.emit(key)

    def _inspect(self) -> None:
        if key := self._one():
            self.inspect_requested.emit(key)

    def _open_settings(self) -> None:
        if key := self._one():
            self.open_settings_requested.emit(key)


def _fingerprint(runs: list[RunSummary]) -> tuple:
    """What the table shows of ``runs``: equal fingerprints need no rebuild."""
    return tuple(
        (
            r.key,
            r.name,
            r.status,
            r.epoch,
            r.updated,
            r.meta.starred,
            tuple(r.meta.tags),
            r.meta.notes,
            tuple(r.metrics.items()),
        )
        for r in runs
    )


def diff_text(a: RunSummary, b: RunSummary) -> str:
    """Every setting that differs between two runs, one per line, in aligned columns."""
    rows = settings_diff(a, b)
    if not rows:
        return f"{a.name} and {b.name} have the same settings."
    shown = [(k, _short(x), _short(y)) for k, x, y in rows]
    width = max(len("setting"), *(len(k) for k, _, _ in shown))
    left = max(len(a.name), *(len(x) for _, x, _ in shown))
    lines = [f"{'setting':<{width}}  {a.name:<{left}}  →  {b.name}"]
    lines += [f"{k:<{width}}  {x:<{left}}  →  {y}" for k, x, y in shown]
    return "\n".join(lines)


def _short(value: Any) -> str:
    """Settings as a person reads them: 0.0059103170774253075 → 0.00591032."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)
