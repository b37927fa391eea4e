"""Project › Properties: the project's name and description, edited as one undoable step.

Runs are keyed by the project's file, not its name, so renaming a project keeps its runs.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)


class ProjectPropertiesDialog(QDialog):
    """Name + description of the open project; ``apply()`` pushes the change to the document."""

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWindowTitle("Project properties")
        self.name_edit = QLineEdit(document.spec.name)
        self.name_edit.setToolTip("Shown in the title bar and run lists; runs stay with the file")
        self.description_edit = QLineEdit(document.spec.description)
        self.description_edit.setMinimumWidth(360)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._check)
        form = QFormLayout(self)
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow(self.buttons)

    def _check(self) -> None:
        ok = bool(self.name_edit.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def apply(self) -> None:
        name = self.name_edit.text().strip()
        description = self.description_edit.text().strip()
        spec = self.document.spec
        if (name, description) == (spec.name, spec.description) or not name:
            return

        def change(new) -> None:
            new.name, new.description = name, description

        self.document.edit("Edit project properties", change)


def edit_project_properties(window) -> bool:
    """Show the dialog for ``window.document``; True when the user changed something."""
    if window.document.read_only:
        return False
    dialog = ProjectPropertiesDialog(window.document, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    before = window.document.spec
    dialog.apply()
    return window.document.spec is not before
