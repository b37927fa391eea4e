"""File handling of the main window: New / Open / Save / Save As, the unsaved-changes prompt,
and drag and drop. Saving always works (problems are flagged, not blocking); a project file with
invalid values opens with its problems flagged and listed once. A file that cannot be read at
all (not JSON, a newer version) shows a dialog, and the project that was open stays open."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from workbench.core.errors import SpecError, WorkbenchError
from workbench.core.spec.project import ProjectSpec
from workbench.gui import menus
from workbench.gui.plain_text import ask, critical, message_box, warn
from workbench.gui.settings import (
    add_recent_file,
    last_folder,
    remove_recent_file,
    set_last_folder,
)

APP_NAME = "Sequence Workbench"
PROJECT_FILTER = "Workbench projects (*.json);;All files (*)"


def error_text(exc: WorkbenchError) -> tuple[str, str]:
    """(headline, details) for a dialog: a spec error lists every problem on its own line."""
    if isinstance(exc, SpecError):
        count = len(exc.problems)
        where = f"{Path(exc.source).name}: " if exc.source else ""
        head = f"{where}{count} problem{'s' if count != 1 else ''} in this project file"
        return head, "\n".join(f"• {p}" for p in exc.problems)
    return exc.message, exc.hint


def show_problem(parent: QWidget, title: str, exc: WorkbenchError) -> None:
    head, details = error_text(exc)
    text = f"{head}\n\n{details}".strip()
    message_box(parent, QMessageBox.Icon.Critical, title, text).exec()  # quotes the file


class ProjectActions:
    """Mixed into ``MainWindow`` (needs ``document``, ``data_panel``, ``tabs``, ``training_panel``)."""

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False when the user cancelled."""
        if not self.document.modified:
            return True
        answer = ask(
            self,
            "Unsaved changes",
            f"Save the changes to {self.document.display_name}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _busy_training(self) -> bool:
        if self.training_panel is not None and self.training_panel.is_running():
            QMessageBox.information(self, APP_NAME, "Stop the training run first.")
            return True
        return False

    def new_project(self) -> None:
        if self._busy_training() or not self.maybe_save():
            return
        self.document.replace(ProjectSpec())

    def open_project(self, ref: str | Path | None = None) -> bool:
        """Open a project file or ``example:NAME``; a bad file leaves the current one open."""
        if self._busy_training():
            return False
        if ref is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open project", last_folder(), PROJECT_FILTER
            )
            if not path:
                return False
            ref = path
        if not self.maybe_save():
            return False
        try:
            self.document.open(ref)
        except WorkbenchError as exc:
            if not str(ref).startswith("example:") and not Path(ref).exists():
                remove_recent_file(ref)  # a file that is gone leaves Open Recent
                menus.refresh_recent(self)
            show_problem(self, "Cannot open the project", exc)
            return False
        if not str(ref).startswith("example:"):
            add_recent_file(ref)
            menus.refresh_recent(self)
        self.tabs.setCurrentIndex(0)
        self._report_open_problems()
        return True

    def _report_open_problems(self) -> None:
        """A file with invalid values opens; say what is wrong once (the forms flag it too)."""
        reset = self.document.open_problems
        flagged = self.document.problems()
        if not reset and not flagged:
            return
        count = len(reset) + len(flagged)
        lines = [f"{self.document.display_name} opened with {_plural(count, 'problem')}."]
        if flagged:
            lines += ["", "Flagged in the forms (fix them to train):"]
            lines += [f"• {p}" for p in flagged]
        if reset:
            lines += ["", "Could not be read, so the default is used:"]
            lines += [f"• {p}" for p in reset]
        warn(self, "Problems in the project", "\n".join(lines))

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        start = str(Path(last_folder()) / f"{self.document.spec.name or 'project'}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save project as", start, PROJECT_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".json"):
            path += ".json"
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            saved = self.document.save(path)
        except WorkbenchError as exc:
            show_problem(self, "Cannot save the project", exc)
            return False
        except OSError as exc:
            critical(self, "Cannot save the project", f"{path}: {exc.strerror or exc}")
            return False
        add_recent_file(saved)
        menus.refresh_recent(self)
        problems = self.document.problems()
        note = (
            f" — {_plural(len(problems), 'problem')} left to fix before training"
            if problems
            else ""
        )
        self.statusBar().showMessage(f"Saved {saved}{note}", 6000)
        return True

    # ---- drag and drop ----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile() and not self.document.read_only:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        urls = event.mimeData().urls()
        if not urls or not urls[0].isLocalFile():
            return
        event.acceptProposedAction()
        self.open_dropped(Path(urls[0].toLocalFile()))

    def open_dropped(self, path: Path) -> None:
        """A project file opens as the project; anything else becomes the data source."""
        set_last_folder(path)
        if is_project_file(path):
            self.open_project(path)
        else:
            self.data_panel.open_data_file(path)
            self.tabs.setCurrentIndex(0)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def is_project_file(path: Path) -> bool:
    """A JSON file that looks like a serialized ProjectSpec (has model and train sections)."""
    if path.suffix.lower() != ".json":
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True  # let Open report what is wrong with it
    return isinstance(data, dict) and ("model" in data or "train" in data or "data" in data)
