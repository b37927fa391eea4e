"""Uncaught exceptions become dialogs; files dropped on the window open."""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMessageBox

from workbench.core.spec.project import ProjectSpec
from workbench.gui import app
from workbench.gui.main_window import MainWindow


def test_uncaught_errors_on_any_thread_show_a_dialog(qtbot, monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "exec", lambda box: shown.append((box.text(), box.detailedText())) or 0
    )
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    app.install_hooks()

    worker = threading.Thread(target=lambda: 1 / 0, name="failing")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(shown) == 1)
    assert "ZeroDivisionError" in shown[0][0]
    assert "Traceback" in shown[0][1]

    try:
        raise ValueError("boom in a slot")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    qtbot.waitUntil(lambda: len(shown) == 2)
    assert "boom in a slot" in shown[1][0]


def _drop(window, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime, buttons, mods)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(window.rect().center()), Qt.DropAction.CopyAction, mime, buttons, mods
    )
    window.dropEvent(drop)


def test_dropping_a_project_or_a_data_file_opens_it(qtbot, tmp_path):
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_project("example:seed-lstm")
    project = tmp_path / "dropped.json"
    spec = ProjectSpec(name="dropped")
    project.write_text(__import__("json").dumps(spec.to_dict()), encoding="utf-8")
    _drop(window, project)
    assert window.document.spec == spec and window.document.path == project.resolve()
    data = tmp_path / "numbers.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(50)), encoding="utf-8")
    _drop(window, data)
    assert window.document.spec.data.source == "numbers.csv"
    window.document.undo_stack.setClean()
    window.shutdown()
