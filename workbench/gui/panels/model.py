"""The model form editor: input, a list of blocks with a form for the selected one, the head,
and a live summary beside them. Every edit is one undoable step on the document's stack."""

from __future__ import annotations

import copy
import dataclasses

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core.spec.layers import LAYER_TYPES, LayerSpec, new_layer
from workbench.core.spec.model_fit import DataShape
from workbench.core.spec.project import HeadSpec, InputSpec, ProjectSpec
from workbench.core.spec.task import Task
from workbench.gui.document import ProjectDocument
from workbench.gui.plain_text import plain_label
from workbench.gui.widgets.spec_form import ERROR_STYLE, SpecForm
from workbench.gui.widgets.summary_table import SummaryTable


def block_title(index: int, layer: LayerSpec) -> str:
    """'2  LSTM · 128 units × 2 layers, bidirectional' — the text of a block in the list."""
    text = f"{index + 1}   {layer.label}"
    if layer.recurrent:
        text += f" · {layer.hidden_size} units"
        if layer.num_layers > 1:
            text += f" × {layer.num_layers} layers"
        if layer.bidirectional:
            text += ", bidirectional"
    elif layer.type == "dropout":
        text += f" · p = {layer.p:g}"
    return text


def convert_layer(layer: LayerSpec, kind: str) -> LayerSpec:
    """A block of another type that keeps every setting the two types share."""
    new = new_layer(kind)
    for f in dataclasses.fields(new):
        if hasattr(layer, f.name):
            setattr(new, f.name, copy.deepcopy(getattr(layer, f.name)))
    return new


class ModelPanel(QWidget):
    selection_changed = Signal(int)

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._form: SpecForm | None = None
        self._form_key: tuple[int, str] | None = None
        self._steps: int | None = None

        forms = QWidget()
        left = QVBoxLayout(forms)
        self.input_form = SpecForm(document, "model.input", InputSpec)
        left.addWidget(self._group("Input — follows the dataset", self.input_form))
        left.addWidget(self._group("Blocks (run top to bottom)", self._build_blocks()))
        self.block_box = QGroupBox("Selected block")
        self.block_layout = QVBoxLayout(self.block_box)
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("block_type")
        self.type_combo.setToolTip("Change the block's type; shared settings are kept")
        for kind, cls in LAYER_TYPES.items():
            self.type_combo.addItem(cls.label, kind)
        self.type_combo.activated.connect(self._change_type)
        type_row = QFormLayout()
        type_row.addRow("Type", self.type_combo)
        self.block_layout.addLayout(type_row)
        self.block_stack = QStackedWidget()
        self.block_stack.addWidget(QLabel("Add a block to edit its settings."))
        self._forms: dict[str, SpecForm] = {}
        for kind, cls in LAYER_TYPES.items():
            form = SpecForm(document, "model.layers[0]", cls)
            form.setObjectName(f"block_form_{kind}")
            self.block_stack.addWidget(form)
            self._forms[kind] = form
        self.block_layout.addWidget(self.block_stack)
        left.addWidget(self.block_box)
        self.head_form = SpecForm(document, "model.head", HeadSpec)
        self.head_form.context = "head"
        self.input_form.context = "input"
        left.addWidget(self._group("Head — follows the task", self.head_form))
        left.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(forms)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(380)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        self.summary = SummaryTable()
        right_layout.addWidget(
            self._group("Summary (same numbers as `workbench summary`)", self.summary)
        )
        self.problems_label = plain_label(QLabel())  # quotes the project file
        self.problems_label.setObjectName("model_problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet(ERROR_STYLE)
        right_layout.addWidget(self.problems_label)
        hint = QLabel(
            "Blocks run top to bottom. Drag them or use Alt+Up / Alt+Down to reorder, "
            "Ctrl+D to duplicate, Delete to remove; every change can be undone (Ctrl+Z). "
            "The input follows the loaded dataset and the head follows its task."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: gray;")
        right_layout.addWidget(hint)
        right_layout.addStretch(1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(splitter)

        document.changed.connect(self.refresh)
        document.spec_replaced.connect(lambda: self.select(0))
        document.spec_replaced.connect(lambda: self._show_derived(None))
        document.read_only_changed.connect(self._set_read_only)
        document.data_loaded.connect(self._on_data_loaded)
        self.refresh()
        self.select(0)

    @staticmethod
    def _group(title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(widget)
        return box

    def _build_blocks(self) -> QWidget:
        host = QWidget()
        layout = QHBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.block_list = QListWidget()
        self.block_list.setObjectName("block_list")
        self.block_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.block_list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.block_list.setMinimumHeight(110)
        self.block_list.setMaximumHeight(140)
        self.block_list.model().rowsMoved.connect(self._rows_dragged)
        self.block_list.currentRowChanged.connect(self._on_select)
        layout.addWidget(self.block_list, 1)
        buttons = QVBoxLayout()
        # A push button with a menu: a tool button's popup arrow is drawn over its text.
        self.add_button = QPushButton("Add block")
        self.add_button.setObjectName("add_block")
        menu = QMenu(self.add_button)
        self.add_actions = {}
        for kind, cls in LAYER_TYPES.items():
            action = menu.addAction(cls.label)
            action.setObjectName(f"add_{kind}")
            action.triggered.connect(lambda _c=False, k=kind: self.add_block(k))
            self.add_actions[kind] = action
        self.add_button.setMenu(menu)
        buttons.addWidget(self.add_button)
        self.duplicate_button = self._button("Duplicate", self.duplicate_block, "Ctrl+D")
        self.remove_button = self._button(
            "Remove", self.remove_block, QKeySequence.StandardKey.Delete
        )
        self.up_button = self._button("Move up", lambda: self.move_block(-1), "Alt+Up")
        self.down_button = self._button("Move down", lambda: self.move_block(1), "Alt+Down")
        for button in (self.duplicate_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return host

    def _button(self, text: str, slot, shortcut) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(text.lower().replace(" ", "_"))
        button.clicked.connect(slot)
        button.setShortcut(QKeySequence(shortcut))
        button.setToolTip(f"{text} ({QKeySequence(shortcut).toString()})")
        return button

    # ---- block operations (each one undoable step) ---------------------------------------
    def current_index(self) -> int:
        return self.block_list.currentRow()

    def select(self, index: int) -> None:
        count = len(self._doc.spec.model.layers)
        if count:
            self.block_list.setCurrentRow(max(0, min(index, count - 1)))
        self._sync_form()

    def add_block(self, kind: str) -> None:
        at = (
            self.current_index() + 1
            if self.current_index() >= 0
            else len(self._doc.spec.model.layers)
        )
        self._doc.edit(
            f"Add {LAYER_TYPES[kind].label} block",
            lambda s: s.model.layers.insert(at, new_layer(kind)),
        )
        self.select(at)

    def duplicate_block(self) -> None:
        i = self.current_index()
        if i < 0:
            return
        self._doc.edit(
            "Duplicate block",
            lambda s: s.model.layers.insert(i + 1, copy.deepcopy(s.model.layers[i])),
        )
        self.select(i + 1)

    def remove_block(self) -> None:
        i = self.current_index()
        if i < 0:
            return
        self._doc.edit("Remove block", lambda s: s.model.layers.pop(i))
        self.select(i)

    def move_block(self, delta: int) -> None:
        i, j = self.current_index(), self.current_index() + delta
        if i < 0 or not 0 <= j < len(self._doc.spec.model.layers):
            return
        self._reorder(i, j)

    def _reorder(self, i: int, j: int) -> None:
        def move(spec: ProjectSpec) -> None:
            spec.model.layers.insert(j, spec.model.layers.pop(i))

        self._doc.edit("Move block", move)
        self.select(j)

    def _rows_dragged(self, _parent, start: int, _end: int, _dest, row: int) -> None:
        # The list already moved the item. Mirror it in the spec once the view has finished
        # its drop (rebuilding the list inside the view's own signal is not safe).
        target = row - 1 if row > start else row
        if target != start:
            QTimer.singleShot(0, self, lambda: self._reorder(start, target))

    def _change_type(self) -> None:
        i, kind = self.current_index(), self.type_combo.currentData()
        if i < 0 or kind == self._doc.spec.model.layers[i].type:
            return
        label = LAYER_TYPES[kind].label

        def convert(spec: ProjectSpec) -> None:
            spec.model.layers[i] = convert_layer(spec.model.layers[i], kind)

        self._doc.edit(f"Make block {i + 1} {label}", convert)

    # ---- showing the spec -------------------------------------------------------------------
    def refresh(self) -> None:
        layers = self._doc.spec.model.layers
        row = self.block_list.currentRow()
        self.block_list.blockSignals(True)
        self.block_list.clear()
        bad = {
            p.path.split("]")[0] + "]"
            for p in self._doc.problems()
            if p.path.startswith("model.layers[")
        }
        for i, layer in enumerate(layers):
            item = QListWidgetItem(block_title(i, layer))
            item.setData(Qt.ItemDataRole.UserRole, i)
            if f"model.layers[{i}]" in bad:
                item.setForeground(Qt.GlobalColor.red)
                item.setToolTip("This block has a problem: see its form")
            self.block_list.addItem(item)
        if layers:
            self.block_list.setCurrentRow(max(0, min(row, len(layers) - 1)))
        self.block_list.blockSignals(False)
        self._sync_form()
        self.summary.show_spec(self._doc.spec, self._steps)
        problems = [p for p in self._doc.problems() if p.startswith("model")]
        self.problems_label.setText("\n".join(f"• {p}" for p in problems))
        self.problems_label.setVisible(bool(problems))
        model = self._doc.spec.model
        tokens = model.input.kind == "tokens"
        self.input_form.set_row_visible("n_features", not tokens)
        self.input_form.set_row_visible("vocab_size", tokens)
        self.input_form.set_row_visible("embedding_dim", tokens)
        self.head_form.set_row_visible("pooling", model.head.kind == "sequence")
        self._update_buttons()

    def _on_select(self, _row: int) -> None:
        self._sync_form()
        self._update_buttons()
        self.selection_changed.emit(self.current_index())

    def _sync_form(self) -> None:
        i = self.current_index()
        layers = self._doc.spec.model.layers
        key = (i, layers[i].type) if 0 <= i < len(layers) else None
        if key == self._form_key:
            return
        self._form_key = key
        self.block_box.setEnabled(key is not None)
        if key is None:
            self.block_box.setTitle("Selected block (none — add one)")
            self.block_stack.setCurrentIndex(0)
            return
        self.block_box.setTitle(f"Block {i + 1}: {LAYER_TYPES[key[1]].label}")
        self.type_combo.setCurrentIndex(self.type_combo.findData(key[1]))
        # One form per block type, re-pointed at the selected block: no rebuilding on clicks.
        form = self._forms[key[1]]
        form.context = f"block {i + 1}: {LAYER_TYPES[key[1]].label}"
        form.set_prefix(f"model.layers[{i}]")
        self.block_stack.setCurrentWidget(form)
        self._form = form

    @property
    def block_form(self) -> SpecForm | None:
        return self._form

    def _update_buttons(self) -> None:
        i, n = self.current_index(), len(self._doc.spec.model.layers)
        editable = not self._doc.read_only
        self.add_button.setEnabled(editable)
        self.duplicate_button.setEnabled(editable and i >= 0)
        self.remove_button.setEnabled(editable and i >= 0)
        self.up_button.setEnabled(editable and i > 0)
        self.down_button.setEnabled(editable and 0 <= i < n - 1)
        self.type_combo.setEnabled(editable)
        mode = (
            QAbstractItemView.DragDropMode.InternalMove
            if editable
            else QAbstractItemView.DragDropMode.NoDragDrop
        )
        self.block_list.setDragDropMode(mode)

    def _set_read_only(self, _read_only: bool) -> None:
        self._update_buttons()
        if self._form is not None:
            self._form.refresh()

    def _on_data_loaded(self, summary) -> None:
        steps = getattr(summary, "length_max", None) or getattr(summary, "window", None)
        self._steps = int(steps) if isinstance(steps, (int, float)) and steps else None
        self.summary.show_spec(self._doc.spec, self._steps)
        self._show_derived(summary)

    def _show_derived(self, summary) -> None:
        """The sizes the loaded data decides are shown read-only, with why (no silent edits)."""
        head = inputs = tokens = None
        if summary is not None:
            shape = DataShape.of(summary)
            noun = {Task.CLASSIFICATION: "classes", Task.LANGUAGE_MODEL: "tokens"}.get(
                shape.task, "targets"
            )
            head = f"Set by the data ({shape.output_size} {noun}): change the data to change it"
            if shape.vocab_size:
                tokens = f"Set by the data ({shape.vocab_size} distinct tokens)"
            else:
                inputs = f"Set by the data ({shape.n_features} input columns)"
        self.head_form.set_derived("output_size", head)
        self.input_form.set_derived("n_features", inputs)
        self.input_form.set_derived("vocab_size", tokens)
