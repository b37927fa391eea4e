"""Test configuration shared by every suite.

Qt runs headless (offscreen). For Qt tests (those using ``qtbot``/``qapp``) a fixture fails the
test when it leaves a running thread, an active ``QTimer`` or a visible top-level window behind;
pytest-qt itself fails a test whose Qt slot raised.
"""

from __future__ import annotations

import os
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("WORKBENCH_TEST", "1")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """QSettings and run folders of the tests never touch the user's own."""
    home = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("WORKBENCH_SETTINGS_DIR", str(home))
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(home / "runs"))


def _qt_leaks() -> list[str]:
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return []
    leaks = []
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            leaks.append(
                f"visible top-level window {type(widget).__name__} {widget.windowTitle()!r}"
            )
            widget.close()
        for timer in widget.findChildren(QTimer):
            if timer.isActive():
                leaks.append(
                    f"active QTimer {timer.objectName() or timer!r} in {type(widget).__name__}"
                )
                timer.stop()
    for timer in app.findChildren(QTimer):
        if timer.isActive():
            leaks.append(f"active QTimer {timer.objectName() or timer!r} on the application")
            timer.stop()
    if QThreadPool.globalInstance().activeThreadCount():
        leaks.append("QThreadPool still has active threads")
    try:
        from workbench.gui.worker import active_workers
    except ImportError:
        active_workers = None
    if active_workers is not None:
        for worker in active_workers():
            leaks.append(f"training worker still running: {worker!r}")
    return leaks


@pytest.fixture(autouse=True)
def _fail_on_qt_leaks(request):
    before = {t.ident for t in threading.enumerate()}
    yield
    if not {"qtbot", "qapp"} & set(request.fixturenames):
        return
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        app.processEvents()
    leaks = _qt_leaks()
    extra = [
        t for t in threading.enumerate() if t.ident not in before and t.is_alive() and not t.daemon
    ]
    leaks += [f"thread still running: {t.name}" for t in extra]
    if leaks:
        pytest.fail("Qt test left things behind: " + "; ".join(leaks), pytrace=False)
