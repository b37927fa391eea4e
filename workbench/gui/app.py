"""QApplication set-up and the GUI entry point (being built by the desktop-app issue)."""

from __future__ import annotations

import sys


def main(project: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle("Sequence Workbench")
    window.resize(1200, 800)
    window.show()
    return app.exec()
