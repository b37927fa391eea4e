"""Data cells quoted in GUI messages are shown as text, never rendered as HTML."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from workbench.gui.plain_text import message_box


def test_message_boxes_quote_markup_verbatim(qtbot):
    box = message_box(None, QMessageBox.Icon.Warning, "Data", "<b>cell</b>", "<img src=x>")
    qtbot.addWidget(box)
    assert box.textFormat() == Qt.TextFormat.PlainText
    shown = [label for label in box.findChildren(QLabel) if "<" in label.text()]
    assert {label.text() for label in shown} == {"<b>cell</b>", "<img src=x>"}
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in shown)


def test_the_data_panels_error_labels_are_plain(qtbot):
    from workbench.gui.document import ProjectDocument
    from workbench.gui.panels.data import DataPanel

    panel = DataPanel(ProjectDocument(), deferred=True)
    qtbot.addWidget(panel)
    assert panel.status.textFormat() == Qt.TextFormat.PlainText
    assert panel.source_error.textFormat() == Qt.TextFormat.PlainText
    from PySide6.QtCore import QTimer

    for timer in panel.findChildren(QTimer):  # the first load is not this test's business
        timer.stop()
