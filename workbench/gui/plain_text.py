"""Messages that quote user data are shown as plain text, never rendered as HTML.

Qt guesses whether a label's or message box's text is rich text (``Qt.AutoText``): a data
cell such as ``<b>x</b>`` or ``<img src=…>`` in an error message was rendered as markup.
Everything that may quote a file's contents, a run's or a project's name goes through these
helpers: labels and message boxes are switched to plain text; where Qt offers no switch
(tooltips, the static ``QMessageBox.question``, input and progress dialog labels) ``as_plain``
escapes the text when Qt would take it for markup.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def as_plain(text: str) -> str:
    """``text`` for a place that guesses rich text: unchanged when Qt would show it as plain
    text anyway, else as escaped HTML that shows it verbatim (line breaks kept)."""
    if not GuiQt.mightBeRichText(text):
        return text
    return '<p style="white-space:pre-wrap">' + html.escape(text, quote=False) + "</p>"


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


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """``QMessageBox.information`` with the text shown verbatim."""
    message_box(parent, QMessageBox.Icon.Information, title, text).exec()


def critical(parent: QWidget | None, title: str, text: str) -> None:
    """``QMessageBox.critical`` with the text shown verbatim."""
    message_box(parent, QMessageBox.Icon.Critical, title, text).exec()


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton,
    default: QMessageBox.StandardButton,
) -> QMessageBox.StandardButton:
    """``QMessageBox.question`` with the text shown verbatim (still the static call, which
    tests answer by patching ``QMessageBox.question``)."""
    return QMessageBox.question(parent, title, as_plain(text), buttons, default)
