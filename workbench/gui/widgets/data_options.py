"""The data panel's option forms: task and cleaning, table (with column roles), windows,
text, NumPy and the split. Groups that do not apply to the current format are hidden, and a
loader error is shown under the option it names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from workbench.core.spec.project import DataSpec, SplitSpec
from workbench.core.spec.task import Task
from workbench.gui.widgets.column_roles import ColumnRoles
from workbench.gui.widgets.spec_form import SpecForm

#: Words in a loader message → the option it is about (the word named first wins).
_ERROR_FIELDS = (
    ("delimiter", "delimiter"),
    ("header", "header"),
    ("horizon", "horizon"),
    ("window", "window"),
    ("stride", "stride"),
    ("missing", "missing"),
    ("nan", "missing"),
    ("empty cell", "missing"),
    ("task", "task"),
    ("format", "format"),
    ("array", "x_key"),
    ("fraction", "split"),
    ("split", "split"),
)
#: Within a split message: words → the split option it is about.
_SPLIT_FIELDS = (
    ("predefined", "kind"),
    ("test file", "kind"),
    ("validation", "val_fraction"),
    ("val ", "val_fraction"),
    ("test", "test_fraction"),
)
_BY_SUFFIX = {".npz": "numpy", ".npy": "numpy", ".txt": "text", ".ts": "ts", ".csv": "wide_csv"}


def error_option(message: str) -> str:
    """The option a loader message is about: the one it names first ('' when none)."""
    lowered = message.lower()
    found = [(lowered.find(word), field) for word, field in _ERROR_FIELDS if word in lowered]
    return min(found)[1] if found else ""


def split_option(message: str) -> str:
    """The split option a split message is about (validation fraction when unclear)."""
    lowered = message.lower()
    found = [(lowered.find(word), field) for word, field in _SPLIT_FIELDS if word in lowered]
    return min(found)[1] if found else "val_fraction"


#: The target-transform chains offered in the form (any list can be written in the project file).
TRANSFORM_CHAINS = (
    (),
    ("log",),
    ("difference",),
    ("log", "difference"),
    ("seasonal_difference",),
    ("log", "difference", "seasonal_difference"),
)


class TransformChooser(QWidget):
    """``data.target_transforms`` as one combo box of the usual chains (a chain from a file
    that is not offered is shown as it is)."""

    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self.combo = QComboBox()
        self.combo.setToolTip(DataSpec.__dataclass_fields__["target_transforms"].metadata["doc"])
        self.combo.activated.connect(self._commit)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Target transforms")
        label.setToolTip(self.combo.toolTip())
        form.addRow(label, self.combo)
        document.changed.connect(self.refresh)
        if hasattr(document, "read_only_changed"):
            document.read_only_changed.connect(self.refresh)
        self.refresh()

    @staticmethod
    def _text(chain: tuple[str, ...]) -> str:
        return " → ".join(n.replace("_", " ") for n in chain) if chain else "none"

    def refresh(self) -> None:
        current = tuple(t for t in self._doc.spec.data.target_transforms if t != "none")
        chains = list(TRANSFORM_CHAINS) + ([current] if current not in TRANSFORM_CHAINS else [])
        self.combo.blockSignals(True)
        self.combo.clear()
        for chain in chains:
            self.combo.addItem(self._text(chain), list(chain))
        self.combo.setCurrentIndex(chains.index(current))
        self.combo.setEnabled(not getattr(self._doc, "read_only", False))
        self.combo.blockSignals(False)

    def _commit(self, _index: int) -> None:
        chain = self.combo.currentData()
        if self._doc.read_only or chain == list(self._doc.spec.data.target_transforms):
            return
        self._doc.set_value("data.target_transforms", chain, "Set target transforms")


def group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 6, 6, 6)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class DataOptions(QWidget):
    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self.main_form = SpecForm(
            document, "data", DataSpec, ["format", "task", "normalization", "missing"]
        )
        self.table_form = SpecForm(
            document, "data", DataSpec, ["delimiter", "decimal", "thousands", "header"]
        )
        self.columns = ColumnRoles(document)
        self.window_form = SpecForm(
            document, "data", DataSpec, ["window", "stride", "horizon", "season"]
        )
        self.window_form.editor("season").setSpecialValueText("auto")  # None: from the dates
        self.transforms = TransformChooser(document)
        self.text_form = SpecForm(document, "data", DataSpec, ["text_level", "seq_len", "min_freq"])
        self.numpy_form = SpecForm(document, "data", DataSpec, ["x_key", "y_key"])
        self.split_form = SpecForm(document, "data.split", SplitSpec)
        self.forms = {
            "main": self.main_form,
            "table": self.table_form,
            "window": self.window_form,
            "text": self.text_form,
            "numpy": self.numpy_form,
            "split": self.split_form,
        }
        self.table_box = group("Table (CSV / TSV)", self.table_form, self.columns)
        self.window_box = group("Windows (one long series)", self.window_form, self.transforms)
        self.text_box = group("Text", self.text_form)
        self.numpy_box = group("NumPy arrays", self.numpy_form)
        layout = QVBoxLayout(self)
        for box in (
            group("Task and cleaning", self.main_form),
            self.table_box,
            self.window_box,
            self.text_box,
            self.numpy_box,
            group("Train / validation / test split", self.split_form),
        ):
            layout.addWidget(box)
        layout.addStretch(1)

    def error_path(self, message: str) -> str:
        """The spec path of the option a loader message is about ('data.source' when none)."""
        field = error_option(message)
        if field == "split":
            return f"data.split.{split_option(message)}"
        if any(form.has_field(field) for form in self.forms.values() if form.prefix == "data"):
            return f"data.{field}"
        return "data.source"

    def show_loader_error(self, message: str) -> bool:
        """Put ``message`` under the option it names; False when it names none."""
        for form in self.forms.values():
            form.refresh()  # drops earlier loader messages (keeps the spec's own problems)
        path = self.error_path(message)
        prefix, _, field = path.rpartition(".")
        for form in self.forms.values():
            if form.prefix == prefix and form.has_field(field):
                form.show_external_error(field, message)
                return True
        return False

    def error_field(self, message: str) -> str:
        for form in self.forms.values():
            for name in form.field_names():
                if form.error_text(name) == message:
                    return name
        return ""

    def show_groups(self, summary: Any) -> None:
        """Show the option groups that apply to the data's format."""
        data = self._doc.spec.data
        fmt = data.format
        if fmt == "auto":
            fmt = getattr(summary, "format", "") if summary is not None else ""
            fmt = fmt or _BY_SUFFIX.get(Path(data.source).suffix.lower(), "")
        self.table_box.setVisible(fmt in ("wide_csv", "long_csv", "ucr_tsv", ""))
        self.window_box.setVisible(
            fmt in ("wide_csv", "") or data.task in (Task.FORECASTING, Task.REGRESSION)
        )
        self.text_box.setVisible(fmt == "text" or data.task == Task.LANGUAGE_MODEL)
        self.numpy_box.setVisible(fmt == "numpy")
