"""The model form editor, driven through its widgets (clicks and key presses)."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox

from workbench.core.models.summary import summarize
from workbench.core.spec.layers import LSTMSpec
from workbench.core.spec.project import ProjectSpec
from workbench.gui.document import ProjectDocument
from workbench.gui.panels.model import ModelPanel


@pytest.fixture
def panel(qtbot):
    document = ProjectDocument()
    document.replace(ProjectSpec(name="keys"))
    widget = ModelPanel(document)
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.close()


def type_into(qtbot, editor, text: str) -> None:
    """Select what a field holds, type ``text`` and press Enter, like a user."""
    editor.setFocus()
    if isinstance(editor, QAbstractSpinBox):
        editor.selectAll()
    else:
        editor.clear()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_build_two_block_lstm_through_widgets(qtbot, panel):
    doc = panel._doc
    form = panel.block_form
    type_into(qtbot, form.editor("hidden_size"), "96")
    type_into(qtbot, form.editor("num_layers"), "2")
    type_into(qtbot, form.editor("dropout"), "0.25")
    # a second LSTM from the Add menu, then its own settings
    panel.add_actions["lstm"].trigger()
    assert panel.current_index() == 1
    form = panel.block_form
    type_into(qtbot, form.editor("hidden_size"), "32")
    qtbot.keyClick(form.editor("bidirectional"), Qt.Key.Key_Space)  # toggles a check box
    # a Dropout block between them, moved into place with the buttons
    panel.add_actions["dropout"].trigger()
    assert [layer.type for layer in doc.spec.model.layers] == ["lstm", "lstm", "dropout"]
    qtbot.mouseClick(panel.up_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, panel.block_form.editor("p"), "0.1")

    layers = doc.spec.model.layers
    assert [layer.type for layer in layers] == ["lstm", "dropout", "lstm"]
    assert (layers[0].hidden_size, layers[0].num_layers, layers[0].dropout) == (96, 2, 0.25)
    assert layers[1].p == pytest.approx(0.1)
    assert (layers[2].hidden_size, layers[2].bidirectional) == (32, True)
    assert doc.problems() == []
    # the live summary shows the same total as `workbench summary`
    assert panel.summary.total_params == summarize(doc.spec.model).total_params
    assert f"{panel.summary.total_params:,}" in panel.summary.totals.text()
    assert panel.summary.table.rowCount() == len(summarize(doc.spec.model).rows)


def test_invalid_setting_is_flagged_inline_with_the_spec_message(qtbot, panel):
    doc = panel._doc
    type_into(qtbot, panel.block_form.editor("dropout"), "0.5")  # one layer: dropout is invalid
    problems = doc.problems()
    assert len(problems) == 1 and problems[0].startswith("model.layers[0].dropout:")
    message = problems[0].split(": ", 1)[1]
    assert panel.block_form.error_text("dropout") == message
    assert message in panel.problems_label.text()
    type_into(qtbot, panel.block_form.editor("num_layers"), "2")
    assert doc.problems() == []
    assert panel.block_form.error_text("dropout") == ""


def test_every_edit_undoes_and_redoes(qtbot, panel):
    doc = panel._doc
    start = copy.deepcopy(doc.spec)
    type_into(qtbot, panel.block_form.editor("hidden_size"), "20")
    panel.add_actions["gru"].trigger()
    qtbot.mouseClick(panel.duplicate_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, panel.block_form.editor("hidden_size"), "7")
    qtbot.mouseClick(panel.up_button, Qt.MouseButton.LeftButton)  # reorder
    panel.select(0)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)  # delete
    panel.type_combo.setCurrentIndex(panel.type_combo.findData("rnn"))
    panel.type_combo.activated.emit(panel.type_combo.currentIndex())  # change the type
    end = copy.deepcopy(doc.spec)
    assert [(la.type, la.hidden_size) for la in end.model.layers] == [("rnn", 7), ("gru", 64)]
    steps = doc.undo_stack.count()
    assert steps == 7
    for _ in range(steps):
        doc.undo_stack.undo()
    assert doc.spec == start
    assert panel.block_list.count() == 1
    for _ in range(steps):
        doc.undo_stack.redo()
    assert doc.spec == end
    assert [panel.block_list.item(i).text().split()[1] for i in range(2)] == ["RNN", "GRU"]


def test_drag_reorder_is_one_undoable_step(qtbot, panel):
    doc = panel._doc
    doc.edit(
        "three blocks",
        lambda s: s.model.layers.extend([LSTMSpec(hidden_size=8), LSTMSpec(hidden_size=16)]),
    )
    before = copy.deepcopy(doc.spec)
    model = panel.block_list.model()
    # what the list view does on an internal drag: move row 0 below row 2
    assert model.moveRow(model.index(0, 0).parent(), 0, model.index(0, 0).parent(), 3)
    qtbot.waitUntil(lambda: [la.hidden_size for la in doc.spec.model.layers] == [8, 16, 64])
    assert doc.undo_stack.count() == 2  # "three blocks", then one "Move block"
    doc.undo_stack.undo()
    assert doc.spec == before


def test_removing_every_recurrent_block_blocks_training(qtbot, panel):
    doc = panel._doc
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert doc.spec.model.layers == []
    assert any("needs at least one RNN" in p for p in doc.problems())
    assert "needs at least one RNN" in panel.problems_label.text()
    assert not panel.remove_button.isEnabled()


def test_forms_are_read_only_while_training(qtbot, panel):
    doc = panel._doc
    doc.set_read_only(True)
    assert not panel.block_form.editor("hidden_size").isEnabled()
    assert not panel.add_button.isEnabled()
    doc.set_read_only(False)
    assert panel.block_form.editor("hidden_size").isEnabled()
