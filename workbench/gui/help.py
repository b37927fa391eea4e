"""Help inside the app: the user guide (``docs/guide.md`` rendered offline), the list of
keyboard shortcuts, and the first-run hint that says where to start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.settings import app_settings

FIRST_RUN_TEXT = (
    "<b>This is an example project</b> (a small LSTM on built-in data). Press <b>Train</b> (F5) "
    "to see it learn, or <b>Open data file…</b> to use your own; Help › User guide explains "
    "each tab."
)


def guide_path() -> Path | None:
    """``docs/guide.md`` beside the package (checkout, editable install) or inside it (wheel)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "docs" / "guide.md", package / "docs" / "guide.md"):
        if candidate.is_file():
            return candidate
    return None


def guide_browser() -> QTextBrowser:
    """A browser showing the guide, its screenshots read from the docs folder (no network)."""
    browser = QTextBrowser()
    browser.setObjectName("user_guide")
    browser.setOpenExternalLinks(False)  # nothing leaves the machine
    path = guide_path()
    if path is None:
        browser.setMarkdown(
            "# User guide\n\nThe guide (`docs/guide.md`) is not part of this installation."
        )
        return browser
    browser.setSearchPaths([str(path.parent)])
    browser.setMarkdown(path.read_text(encoding="utf-8"))
    return browser


def _dialog(parent: QWidget, title: str, body: QWidget, size: tuple[int, int]) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    layout.addWidget(body)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    # Fits a 1366×768 screen with room for the panel and title bar.
    dialog.resize(*size)
    return dialog


def show_guide(window: Any) -> QDialog:
    """Help › User guide (non-modal: the guide can stay open beside the window)."""
    dialog = getattr(window, "guide_dialog", None)
    if dialog is None:
        dialog = _dialog(window, "Sequence Workbench — User guide", guide_browser(), (900, 640))
        window.guide_dialog = dialog
    dialog.show()
    dialog.raise_()
    return dialog


def shortcut_rows(window: Any) -> list[tuple[str, str]]:
    """(what, keys) for every action of the window that has a shortcut, menus first."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    actions: list[QAction] = []
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is not None:
            actions += _menu_actions(menu)
    for action in actions:
        keys = ", ".join(
            k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
        )
        name = action.iconText() or action.text().replace("&", "")
        if keys and name not in seen:
            seen.add(name)
            rows.append((name, keys))
    return rows


def _menu_actions(menu: Any) -> list[QAction]:
    found: list[QAction] = []
    for action in menu.actions():
        if action.menu() is not None:
            found += _menu_actions(action.menu())
        elif not action.isSeparator():
            found.append(action)
    return found


def show_shortcuts(window: Any) -> QDialog:
    """Help › Keyboard shortcuts: a table built from the window's own actions."""
    rows = shortcut_rows(window)
    table = QTableWidget(len(rows), 2)
    table.setObjectName("shortcuts_table")
    table.setHorizontalHeaderLabels(["Action", "Keys"])
    for i, (name, keys) in enumerate(rows):
        table.setItem(i, 0, QTableWidgetItem(name))
        table.setItem(i, 1, QTableWidgetItem(keys))
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    dialog = _dialog(window, "Keyboard shortcuts", table, (460, 560))
    window.shortcuts_dialog = dialog
    dialog.show()
    return dialog


class FirstRunHint(QFrame):
    """A one-line banner for the first start; Dismiss hides it for good."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_run_hint")
        self.setStyleSheet(
            "#first_run_hint { background: #e3f2fd; border: 1px solid #90caf9; border-radius: 4px; }"
        )
        self.label = QLabel(FIRST_RUN_TEXT)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        close = QToolButton()
        close.setText("Dismiss")
        close.setObjectName("dismiss_hint")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.setVisible(not app_settings().value("first_run_hint_dismissed", False, type=bool))

    def dismiss(self) -> None:
        app_settings().setValue("first_run_hint_dismissed", True)
        self.hide()
        self.dismissed.emit()
