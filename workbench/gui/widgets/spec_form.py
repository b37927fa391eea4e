"""A ``QFormLayout`` generated from a spec dataclass, bound to one place in the project spec.

Each field gets an editor chosen from its type and metadata (choices → combo box, bounded
fraction → spin box, int → spin box, bool → check box, free text/number → line edit), its
doc string as tooltip, and a red message under it when the spec's ``problems()`` name its
path. Edits go through the document, so each one is a single undoable step.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from workbench.core.spec.base import SpecBase, _is_optional, field_doc
from workbench.gui.plain_text import plain_label

_INT_MAX = 2_000_000_000
ERROR_STYLE = "color: #c62828;"
NOTE_STYLE = "color: gray;"
READ_ONLY_TIP = "Read-only while a run trains: stop the run (Shift+F5) to edit the project."


#: Friendlier labels than the field names, where they differ.
LABELS = {
    "num_layers": "Layers",
    "proj_size": "Projection size",
    "n_features": "Features",
    "vocab_size": "Vocabulary size",
    "embedding_dim": "Embedding width",
    "hidden_size": "Hidden size",
    "output_size": "Outputs",
    "lr": "Learning rate",
    "max_steps": "Max steps",
    "max_value": "Clip at",
    "min_lr": "Min LR",
    "max_lr": "Max LR (one-cycle)",
    "min_delta": "Min improvement",
    "keep_best": "Keep best checkpoint",
    "val_fraction": "Validation fraction",
    "test_fraction": "Test fraction",
    "x_key": "Inputs array (npz)",
    "y_key": "Targets array (npz)",
    "seq_len": "Chunk length (BPTT)",
    "min_freq": "Min token count",
    "text_level": "Tokens",
    "missing": "Missing values",
    "p": "Drop probability",
    "eps": "Epsilon",
}


def _label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


class SpecForm(QWidget):
    """Editors for the scalar fields of the spec at ``prefix`` (e.g. ``'train.optimizer'``)."""

    def __init__(
        self,
        document: Any,
        prefix: str,
        spec_cls: type,
        fields: list[str] | None = None,
        labels: dict[str, str] | None = None,
        parent: QWidget | None = None,
        choices: dict[str, list[Any]] | None = None,
    ) -> None:
        super().__init__(parent)
        #: Fields shown as a list of values although the spec keeps free text (e.g. device).
        self._choice_overrides = choices or {}
        self._doc = document
        self.prefix = prefix
        self.spec_cls = spec_cls
        self._labels = labels or {}
        self._editors: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._kinds: dict[str, tuple[str, Any]] = {}
        self._hidden_rows: set[str] = set()
        self._row_labels: dict[str, QLabel] = {}
        #: Fields the data decides (name → why), shown read-only with the reason under them.
        self._derived: dict[str, str] = {}
        #: Names the block in undo entries ("Set hidden size (block 2: LSTM)").
        self.context = ""
        self._layout = QFormLayout(self)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self._form_error = plain_label(QLabel())  # problems quote the file
        self._form_error.setStyleSheet(ERROR_STYLE)
        self._form_error.setWordWrap(True)
        self._form_error.hide()
        hints = typing.get_type_hints(spec_cls)
        all_fields = {f.name: f for f in dataclasses.fields(spec_cls)}
        for name in fields or list(all_fields):
            f = all_fields[name]
            editor = self._make_editor(name, hints[name], f.metadata)
            if editor is None:
                continue
            editor.setObjectName(name)
            editor.setToolTip(field_doc(spec_cls, name))
            error = plain_label(QLabel())
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            label = plain_label(QLabel(self._labels.get(name, _label(name))))
            label.setToolTip(editor.toolTip())
            self._row_labels[name] = label
            self._layout.addRow(label, editor)
            self._layout.addRow("", error)
            self._layout.setRowVisible(error, False)
            self._editors[name] = editor
            self._errors[name] = error
        self._layout.addRow(self._form_error)
        document.changed.connect(self.refresh)
        if hasattr(document, "read_only_changed"):
            document.read_only_changed.connect(self.refresh)
        self.refresh()

    # ---- public ---------------------------------------------------------------------------
    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    def has_field(self, name: str) -> bool:
        return name in self._editors

    def field_names(self) -> list[str]:
        return list(self._editors)

    def error_text(self, name: str) -> str:
        label = self._errors[name]
        return "" if label.styleSheet() == NOTE_STYLE else label.text()

    def set_prefix(self, prefix: str) -> None:
        """Point the form at another spec of the same class (e.g. another block)."""
        self.prefix = prefix
        self.refresh()

    def set_choices(self, name: str, values: list[str]) -> None:
        """Replace a combo box's items (e.g. the devices found once torch has loaded)."""
        combo = self._editors[name]
        assert isinstance(combo, QComboBox)
        combo.blockSignals(True)
        combo.clear()
        for value in values:
            combo.addItem(str(value), value)
        combo.blockSignals(False)
        self.refresh()

    def set_row_visible(self, name: str, visible: bool) -> None:
        if visible:
            self._hidden_rows.discard(name)
        else:
            self._hidden_rows.add(name)
        self._layout.setRowVisible(self._editors[name], visible)
        self._layout.setRowVisible(self._errors[name], visible and bool(self._errors[name].text()))
        self._show_problems()

    def set_derived(self, name: str, reason: str | None) -> None:
        """Show ``name`` read-only with ``reason`` under it (None: editable again)."""
        if reason:
            self._derived[name] = reason
        else:
            self._derived.pop(name, None)
        self.refresh()

    def derived_reason(self, name: str) -> str:
        return self._derived.get(name, "")

    def show_external_error(self, name: str, message: str) -> None:
        """Flag a field with a message that is not a spec problem (e.g. a loader error)."""
        self._set_error(name, message)

    # ---- building -------------------------------------------------------------------------
    def _make_editor(self, name: str, tp: Any, meta: Any) -> QWidget | None:
        optional, tp = _is_optional(tp)
        choices = meta.get("choices") if meta else None
        choices = self._choice_overrides.get(name, choices)
        if isinstance(tp, type) and issubclass(tp, SpecBase):
            return None
        if choices:
            combo = QComboBox()
            if optional:
                combo.addItem("(auto)", None)
            for choice in choices:
                combo.addItem(str(choice), choice)
            combo.activated.connect(lambda _i, n=name, c=combo: self._commit(n, c.currentData()))
            self._kinds[name] = ("choice", optional)
            return combo
        if tp is bool:
            if optional:  # None means "let the loader decide"
                combo = QComboBox()
                for text, value in (("auto", None), ("yes", True), ("no", False)):
                    combo.addItem(text, value)
                combo.activated.connect(
                    lambda _i, n=name, c=combo: self._commit(n, c.currentData())
                )
                self._kinds[name] = ("choice", True)
                return combo
            box = QCheckBox()
            box.toggled.connect(lambda checked, n=name: self._commit(n, bool(checked)))
            self._kinds[name] = ("bool", False)
            return box
        if tp is int:
            spin = QSpinBox()
            # Out-of-range values are accepted and flagged with the spec's message: a spin box
            # that silently refuses or clamps what was typed is a silent edit.
            low, high = -_INT_MAX, _INT_MAX
            if optional:  # the value below the minimum stands for "none"
                spin.setSpecialValueText("none")
                low = int(meta.get("ge") if meta.get("ge") is not None else -_INT_MAX) - 1
            spin.setRange(low, high)
            spin.setKeyboardTracking(False)
            spin.setAccelerated(True)
            spin.valueChanged.connect(lambda v, n=name, s=spin: self._commit_int(n, s, v))
            self._kinds[name] = ("int", optional)
            return spin
        if tp is float:
            low = meta.get("ge") if meta.get("ge") is not None else meta.get("gt")
            high = meta.get("le") if meta.get("le") is not None else meta.get("lt")
            if low is not None and high is not None and low >= 0 and high <= 1 and not optional:
                spin = QDoubleSpinBox()
                spin.setRange(-1e6, 1e6)  # out-of-range values get the spec's message
                spin.setDecimals(3)
                spin.setSingleStep(0.05)
                spin.setKeyboardTracking(False)
                # (+ 0.0 turns -0.0 into 0.0)
                spin.valueChanged.connect(
                    lambda v, n=name: self._commit(n, round(float(v), 6) + 0.0)
                )
                self._kinds[name] = ("fraction", False)
                return spin
            edit = QLineEdit()
            edit.setPlaceholderText("none" if optional else "")
            edit.editingFinished.connect(lambda n=name, e=edit: self._commit_float(n, e))
            self._kinds[name] = ("float", optional)
            return edit
        if tp is str:
            edit = QLineEdit()
            if optional:
                edit.setPlaceholderText("auto")
            edit.editingFinished.connect(lambda n=name, e=edit: self._commit_text(n, e))
            self._kinds[name] = ("str", optional)
            return edit
        if typing.get_origin(tp) is list:
            edit = QLineEdit()
            edit.setPlaceholderText("comma-separated")
            edit.editingFinished.connect(lambda n=name, e=edit: self._commit_list(n, e))
            self._kinds[name] = ("list", False)
            return edit
        return None

    # ---- edits ----------------------------------------------------------------------------
    def _path(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def _commit(self, name: str, value: Any) -> None:
        if self._doc.read_only:
            self.refresh()
            return
        where = f" ({self.context})" if self.context else ""
        self._doc.set_value(self._path(name), value, f"Set {_label(name).lower()}{where}")

    def _commit_int(self, name: str, spin: QSpinBox, value: int) -> None:
        optional = self._kinds[name][1]
        self._commit(name, None if optional and value == spin.minimum() else int(value))

    def _commit_float(self, name: str, edit: QLineEdit) -> None:
        text = edit.text().strip().replace(",", ".")
        if not text and self._kinds[name][1]:
            self._commit(name, None)
            return
        try:
            value = float(text) + 0.0  # never -0.0
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            self._set_error(name, f"expected a number (got {edit.text()!r})")
            return
        self._commit(name, value)

    def _commit_text(self, name: str, edit: QLineEdit) -> None:
        text = edit.text()
        self._commit(name, None if not text and self._kinds[name][1] else text)

    def _commit_list(self, name: str, edit: QLineEdit) -> None:
        self._commit(name, [p.strip() for p in edit.text().split(",") if p.strip()])

    # ---- showing the spec -----------------------------------------------------------------
    def refresh(self) -> None:
        try:
            spec = self._doc.value(self.prefix) if self.prefix else self._doc.spec
        except (AttributeError, IndexError):
            return  # our block was just removed; the owner rebuilds us
        if not isinstance(spec, self.spec_cls):
            return
        read_only = self._doc.read_only
        for name, editor in self._editors.items():
            self._show_value(editor, self._kinds[name], getattr(spec, name))
            editor.setEnabled(not read_only and name not in self._derived)
            tip = field_doc(self.spec_cls, name)
            if name in self._derived:
                tip = f"{self._derived[name]}\n{tip}"
            editor.setToolTip(f"{READ_ONLY_TIP}\n{tip}" if read_only else tip)
        self._show_problems()

    def _show_value(self, editor: QWidget, kind: tuple[str, Any], value: Any) -> None:
        editor.blockSignals(True)
        try:
            if isinstance(editor, QComboBox):
                index = editor.findData(value)
                if index < 0 and value is not None:
                    editor.addItem(str(value), value)
                    index = editor.count() - 1
                editor.setCurrentIndex(max(index, 0))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QSpinBox):
                editor.setValue(editor.minimum() if value is None else int(value))
            elif isinstance(editor, QDoubleSpinBox):
                editor.setValue(float(value))
            elif isinstance(editor, QLineEdit):
                if kind[0] == "list":
                    text = ", ".join(value)
                elif value is None:
                    text = ""
                elif kind[0] == "float":
                    text = f"{value + 0.0:g}"
                else:
                    text = str(value)
                if editor.text() != text:
                    editor.setText(text)
        finally:
            editor.blockSignals(False)

    def _show_problems(self) -> None:
        mine: dict[str, list[str]] = {}
        general: list[str] = []
        for problem in self._doc.problems():
            path, text = problem.path, problem.message
            if self.prefix and path == self.prefix:
                general.append(text)
                continue
            head = f"{self.prefix}." if self.prefix else ""
            name = path[len(head) :] if path.startswith(head) else ""
            if name in self._hidden_rows:  # keep it visible although its row is not
                general.append(f"{_label(name)}: {text}")
            elif name in self._editors:
                mine.setdefault(name, []).append(text)
        for name in self._editors:
            self._set_error(name, "\n".join(mine.get(name, [])))
        self._form_error.setText("\n".join(general))
        self._form_error.setVisible(bool(general))

    def _set_error(self, name: str, message: str) -> None:
        label = self._errors[name]
        note = "" if message else self._derived.get(name, "")
        label.setText(message or note)
        label.setStyleSheet(NOTE_STYLE if note else ERROR_STYLE)
        shown = bool(message or note) and name not in self._hidden_rows
        self._layout.setRowVisible(label, shown)
        # A red label (and the message under the field) rather than restyling the editor:
        # style sheets on spin boxes lose their native arrows.
        self._row_labels[name].setStyleSheet(ERROR_STYLE if message else "")
        text = self._labels.get(name, _label(name))
        self._row_labels[name].setText(f"⚠ {text}" if message else text)
