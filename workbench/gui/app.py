"""QApplication set-up, exception hooks and the GUI entry point ``main(project)``.

Only torch-free modules are imported before the window is shown; the rest loads after the
first paint (see ``MainWindow.finish_startup``). ``WORKBENCH_STARTUP_PROBE=PATH`` makes the app
write the times when the window was first painted and when start-up finished, as JSON, then
quit (``benchmarks/startup.py`` uses it).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def create_app() -> Any:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Sequence Workbench")
    app.setOrganizationName("SequenceWorkbench")
    app.setApplicationDisplayName("Sequence Workbench")
    return app


def show_error(info: Any, parent: Any = None) -> None:
    """A dialog for an uncaught exception: message, hint, and the traceback as details."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from workbench.gui.plain_text import message_box

    parent = parent or QApplication.activeWindow()
    hint = info.hint or "The workbench keeps running; please report the details."
    box = message_box(parent, QMessageBox.Icon.Critical, "Something went wrong", info.message, hint)
    if info.details:
        box.setDetailedText(info.details)
    box.exec()


def install_hooks() -> None:
    """``sys.excepthook`` and ``threading.excepthook`` → an error dialog on the GUI thread."""
    from workbench.gui.worker import install_exception_hooks

    install_exception_hooks(lambda info: show_error(info))


def _probe(window: Any, path: str, app: Any) -> None:
    """Record when the window was first painted and when start-up finished, and the longest
    the event loop stood still in between (a 10 ms heartbeat), then close."""
    from PySide6.QtCore import QTimer

    times: dict[str, float] = {}
    heartbeat = QTimer(app)
    heartbeat.setInterval(10)
    last = [0.0]

    def beat() -> None:
        now = time.perf_counter()
        times["max_stall"] = max(times.get("max_stall", 0.0), now - last[0])
        last[0] = now

    heartbeat.timeout.connect(beat)

    def write() -> None:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(times, handle)

    def exposed() -> None:
        times["visible"] = time.time()
        write()
        last[0] = time.perf_counter()
        heartbeat.start()

    def finished() -> None:
        beat()
        heartbeat.stop()
        times["ready"] = time.time()
        write()
        window.document.undo_stack.setClean()  # no "save changes?" on the way out
        QTimer.singleShot(0, window.close)

    window.first_exposed.connect(exposed)
    window.startup_finished.connect(finished)


def main(project: str | None = None) -> int:
    app = create_app()
    from workbench.gui.main_window import MainWindow

    window = MainWindow()
    install_hooks()
    probe = os.environ.get("WORKBENCH_STARTUP_PROBE")
    if probe:
        _probe(window, probe, app)
    from pathlib import Path

    from workbench.gui.projects import is_project_file

    if project and Path(project).is_file() and not is_project_file(Path(project)):
        # `workbench data.csv` (e.g. from the desktop's "Open with"): the example, fed that data
        window.open_project("example:seed-lstm")
        window.open_dropped(Path(project))
    elif not window.open_project(project or "example:seed-lstm") and project:
        window.open_project("example:seed-lstm")
    window.show()
    return app.exec()
