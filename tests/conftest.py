"""Test configuration shared by every suite.

Qt runs headless (offscreen). For Qt tests (those using ``qtbot``/``qapp``) a fixture fails the
test when it leaves a running thread, an active ``QTimer`` or a visible top-level window behind;
pytest-qt itself fails a test whose Qt slot raised.
"""

from __future__ import annotations

import gc
import os
import sys
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
    # Collect garbage first and not while the widget list is being wrapped: a Python-owned
    # top-level widget freed by the collector half-way through topLevelWidgets() left a
    # dangling pointer in the list (a segfault here, once in a full CI run).
    gc.collect()
    gc.disable()
    try:
        widgets = QApplication.topLevelWidgets()
    finally:
        gc.enable()
    for widget in widgets:
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


#: Static dialog getters that block like ``exec()``: (class name, method names).
_MODAL_STATICS = {
    "QMessageBox": ("warning", "critical", "information", "question", "about", "aboutQt"),
    "QFileDialog": (
        "getOpenFileName",
        "getOpenFileNames",
        "getSaveFileName",
        "getExistingDirectory",
        "getOpenFileUrl",
        "getOpenFileUrls",
        "getSaveFileUrl",
        "getExistingDirectoryUrl",
    ),
    "QInputDialog": ("getText", "getInt", "getDouble", "getItem", "getMultiLineText"),
    "QColorDialog": ("getColor",),
    "QFontDialog": ("getFont",),
}


@pytest.fixture(autouse=True)
def _no_unexpected_modal_dialogs(request, monkeypatch):
    """A modal dialog a GUI test did not patch fails the test at once instead of waiting for
    a click until pytest-timeout (600 s). Tests that expect a dialog patch ``exec`` (or the
    static getter) themselves; their patch replaces this one."""
    if "PySide6.QtWidgets" not in sys.modules and not {"qtbot", "qapp"} & set(request.fixturenames):
        yield
        return
    from PySide6 import QtWidgets

    unexpected: list[str] = []

    def refuse(what: str, static: bool):
        owner, method = what.rsplit(".", 1)

        def modal(*args, **kwargs):
            if static:  # (parent, title, text, …)
                shown = " — ".join(a for a in args[1:3] if isinstance(a, str))
            else:  # the dialog itself
                box = args[0]
                text = box.text() if isinstance(box, QtWidgets.QMessageBox) else ""
                shown = " — ".join(t for t in (box.windowTitle(), text) if t)
            message = (
                f"unexpected modal dialog {what}: {shown[:300]!r} would wait for a click "
                f"until the test times out; a test that expects it patches it "
                f"(monkeypatch.setattr({owner}, {method!r}, …))"
            )
            unexpected.append(message)
            raise AssertionError(message)

        return modal

    for name in ("exec", "exec_"):
        monkeypatch.setattr(QtWidgets.QDialog, name, refuse(f"QDialog.{name}", False))
        monkeypatch.setattr(QtWidgets.QMenu, name, refuse(f"QMenu.{name}", False))
    for cls_name, methods in _MODAL_STATICS.items():
        cls = getattr(QtWidgets, cls_name)
        for method in methods:
            monkeypatch.setattr(cls, method, staticmethod(refuse(f"{cls_name}.{method}", True)))
    yield
    call = getattr(request.node, "_report_call", None)
    if unexpected and (call is None or call.passed):  # the app caught the AssertionError
        pytest.fail(unexpected[0], pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep the call phase's report on the item (the dialog guard reads it at teardown)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item._report_call = report
