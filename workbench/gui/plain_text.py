"""Messages that quote user data are shown as plain text, never rendered as HTML.

Qt guesses whether a label's or message box's text is rich text (``Qt.AutoText``): a data
cell such as ``<b>x</b>`` or ``<img src=…>`` in an error message was rendered as markup.
Everything that may quote a file's contents goes through these helpers.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def plain_label(label: QLabel) -> QLabel:
    """``label`` set to show its text verbatim (returned for chaining)."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def message_box(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, hint: str = ""
) -> QMessageBox:
    """A message box whose text (and informative text) are plain text."""
    box = QMessageBox(icon, title, text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if hint:
        box.setInformativeText(hint)
    # The informative text is a label of its own, with its own format guess.
    for label in box.findChildren(QLabel):
        label.setTextFormat(Qt.TextFormat.PlainText)
    return box


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """``QMessageBox.warning`` with the text shown verbatim."""
    message_box(parent, QMessageBox.Icon.Warning, title, text).exec()
