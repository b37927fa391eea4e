"""Menus, toolbar and status bar of the main window (standard shortcuts throughout)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

import shiboken6
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox, QStyle, QToolBar

from workbench import __version__
from workbench.core.spec.project_file import list_examples
from workbench.gui.plain_text import as_plain, plain_label
from workbench.gui.settings import follow_training, recent_files, set_follow_training

_SK = QKeySequence.StandardKey


def _action(window: Any, text: str, slot, shortcut=None, tip: str = "", icon=None) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    action.triggered.connect(lambda _checked=False: slot())
    return action


def edit_project_properties(window: Any) -> bool:
    from workbench.gui.project_properties import edit_project_properties as edit

    return edit(window)


def build(window: Any) -> None:
    doc = window.document
    sp = QStyle.StandardPixmap
    window.new_action = _action(
        window, "&New", window.new_project, _SK.New, "Start a new project", sp.SP_FileIcon
    )
    window.open_action = _action(
        window,
        "&Open…",
        window.open_project,
        _SK.Open,
        "Open a project file",
        sp.SP_DialogOpenButton,
    )
    window.save_action = _action(
        window, "&Save", window.save, _SK.Save, "Save the project", sp.SP_DialogSaveButton
    )
    window.save_as_action = _action(
        window, "Save &As…", window.save_as, _SK.SaveAs, "Save under another name"
    )
    window.quit_action = _action(window, "&Quit", window.close, _SK.Quit, "Close the workbench")
    window.properties_action = _action(
        window,
        "Project &Properties…",
        lambda: edit_project_properties(window),
        None,
        "Name and description of the project",
    )
    window.open_data_action = _action(
        window,
        "Open &Data File…",
        window.data_panel.choose_file,
        "Ctrl+Shift+O",
        "Use a data file in this project",
    )
    window.undo_action = _action(window, "&Undo", doc.undo, _SK.Undo)
    window.undo_action.setIconText("Undo")  # the menu says what; the toolbar stays steady
    window.undo_action.setIcon(window.style().standardIcon(sp.SP_ArrowBack))
    window.redo_action = _action(window, "&Redo", doc.redo)
    window.redo_action.setShortcuts(redo_shortcuts())
    window.redo_action.setIconText("Redo")
    window.redo_action.setIcon(window.style().standardIcon(sp.SP_ArrowForward))
    for signal in (
        doc.undo_stack.indexChanged,
        doc.read_only_changed,
        doc.spec_replaced,
    ):
        signal.connect(lambda *_a: sync_undo_actions(window))
    sync_undo_actions(window)
    window.about_action = _action(
        window, "&About", lambda: show_about(window), None, "Versions and device"
    )

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(window.new_action)
    file_menu.addAction(window.open_action)
    examples = file_menu.addMenu("Open &Example")
    for example in list_examples():
        action = examples.addAction(example.name)
        action.setStatusTip(example.description)
        action.setToolTip(example.description)
        action.triggered.connect(
            lambda _c=False, n=example.name: window.open_project(f"example:{n}")
        )
    window.recent_menu = file_menu.addMenu("Open &Recent")
    refresh_recent(window)
    file_menu.addAction(window.open_data_action)
    file_menu.addSeparator()
    from workbench.gui.use_model import add_actions as add_use_model_actions

    add_use_model_actions(window, file_menu)
    file_menu.addSeparator()
    file_menu.addAction(window.save_action)
    file_menu.addAction(window.save_as_action)
    file_menu.addAction(window.properties_action)
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(window.undo_action)
    edit_menu.addAction(window.redo_action)
    view_menu = bar.addMenu("&View")
    for i in range(window.tabs.count()):
        action = view_menu.addAction(window.tabs.tabText(i).strip())
        action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
        action.triggered.connect(lambda _c=False, i=i: window.tabs.setCurrentIndex(i))
    window.run_menu = bar.addMenu("&Run")
    window.run_placeholder = window.run_menu.addAction("Train (loading…)")
    window.run_placeholder.setEnabled(False)
    view_menu.addSeparator()
    window.follow_training_action = view_menu.addAction("Show the Live Plots When Training Starts")
    window.follow_training_action.setCheckable(True)
    window.follow_training_action.setChecked(follow_training())
    window.follow_training_action.toggled.connect(set_follow_training)
    help_menu = bar.addMenu("&Help")
    from workbench.gui import help as help_views

    window.guide_action = _action(
        window,
        "&User Guide",
        lambda: help_views.show_guide(window),
        _SK.HelpContents,
        "The workflow tab by tab, the project format and the command line",
    )
    window.shortcuts_action = _action(
        window,
        "&Keyboard Shortcuts",
        lambda: help_views.show_shortcuts(window),
        None,
        "Every shortcut of the window",
    )
    help_menu.addAction(window.guide_action)
    help_menu.addAction(window.shortcuts_action)
    help_menu.addSeparator()
    help_menu.addAction(window.about_action)

    toolbar = QToolBar("Main")
    toolbar.setObjectName("main_toolbar")
    toolbar.setIconSize(QSize(18, 18))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for action in (
        window.open_action,
        window.save_action,
        None,
        window.undo_action,
        window.redo_action,
        None,
    ):
        if action is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(action)
    window.toolbar = toolbar
    window.addToolBar(toolbar)

    status = window.statusBar()
    window.status_project = plain_label(QLabel())  # the project's name, its problems
    window.status_problems = plain_label(QLabel())
    window.status_problems.setObjectName("status_problems")
    window.status_device = QLabel("Device: …")
    window.status_threads = QLabel("torch threads: …")
    window.status_run = QLabel("Run: idle")
    for label in (
        window.status_project,
        window.status_problems,
        window.status_device,
        window.status_threads,
        window.status_run,
    ):
        status.addPermanentWidget(label)


def redo_shortcuts() -> list[QKeySequence]:
    """The platform's redo key plus both common ones (Ctrl+Y and Ctrl+Shift+Z) everywhere."""
    keys = [
        *QKeySequence.keyBindings(_SK.Redo),
        QKeySequence("Ctrl+Y"),
        QKeySequence("Ctrl+Shift+Z"),
    ]
    unique: list[QKeySequence] = []
    for key in keys:
        if not key.isEmpty() and key not in unique:
            unique.append(key)
    return unique


def sync_undo_actions(window: Any) -> None:
    """Undo/redo name the step they would take, and are off while a run trains."""
    doc = window.document
    stack = doc.undo_stack
    if not shiboken6.isValid(stack) or not shiboken6.isValid(window.undo_action):
        return  # the window is being torn down
    for action, can, text, verb in (
        (window.undo_action, stack.canUndo(), stack.undoText(), "Undo"),
        (window.redo_action, stack.canRedo(), stack.redoText(), "Redo"),
    ):
        action.setEnabled(can and not doc.read_only)
        action.setText(f"&{verb} {text}" if can and text else f"&{verb}")
        if doc.read_only:
            tip = f"{verb} is off while a run trains: the run uses this project"
        else:
            tip = f"{verb}: {text}" if can and text else f"Nothing to {verb.lower()}"
        action.setToolTip(tip)
        action.setStatusTip(tip)


def add_run_actions(window: Any, panel: Any) -> None:
    """Put the training panel's actions in the Run menu and the toolbar."""
    window.run_menu.removeAction(window.run_placeholder)
    sp = QStyle.StandardPixmap
    icons = {
        "train_action": sp.SP_MediaPlay,
        "pause_action": sp.SP_MediaPause,
        "step_action": sp.SP_MediaSeekForward,
        "stop_action": sp.SP_MediaStop,
    }
    for name, icon in icons.items():
        action = getattr(panel, name, None)
        if action is None:
            continue
        if action.icon().isNull():
            action.setIcon(window.style().standardIcon(icon))
        window.run_menu.addAction(action)
        window.toolbar.addAction(action)


def refresh_recent(window: Any) -> None:
    menu = window.recent_menu
    menu.clear()
    files = recent_files()
    for path in files:
        action = menu.addAction(Path(path).name)
        action.setStatusTip(path)
        action.setToolTip(as_plain(path))
        action.triggered.connect(lambda _c=False, p=path: window.open_project(p))
    menu.setEnabled(bool(files))


def about_text(window: Any) -> str:
    torch_version = sys.modules["torch"].__version__ if "torch" in sys.modules else "not loaded yet"
    return (
        f"<h3>Sequence Workbench {__version__}</h3>"
        "<p>Build, train and look inside RNN / LSTM / GRU models.</p>"
        f"<p>Python {platform.python_version()}<br>Qt {qVersion()} (PySide6 {pyside_version})"
        f"<br>torch {torch_version}<br>Device: {window.device_text}</p>"
    )


def show_about(window: Any) -> None:
    QMessageBox.about(window, "About Sequence Workbench", about_text(window))
