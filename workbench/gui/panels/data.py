"""The data panel: choose a source, set the format options, see a live preview.

Every option edit goes through the document (undoable); a short debounce later the data is
loaded again on a background thread (``worker.run_in_thread``) while a busy bar runs. A loader
error shows in the loader's words next to the option it names, and the panel stays usable.
When the data loads, the model's input and head follow it (one undoable step).
"""

from __future__ import annotations

import contextlib
import copy
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.core.data.prepared import DataSummary
from workbench.core.errors import Problem, WorkbenchError
from workbench.core.resources import data_dir
from workbench.core.spec.model_fit import DataShape, fit_model_to_data
from workbench.core.spec.project import DataSpec
from workbench.gui.document import ProjectDocument
from workbench.gui.plain_text import plain_label, warn
from workbench.gui.widgets.data_options import DataOptions
from workbench.gui.widgets.data_preview import DataPreview
from workbench.gui.widgets.spec_form import ERROR_STYLE
from workbench.gui.widgets.spec_form import _label as label_of

BUILTIN_SOURCES = ("builtin:seed", "builtin:adding", "builtin:copy", "builtin:sine")
DATA_FILTER = "Data files (*.csv *.tsv *.tab *.txt *.text *.md *.npy *.npz *.ts);;All files (*)"
_DEBOUNCE_MS = 250


class _Superseded(Exception):
    """Raised in a running load once newer options are waiting (stops it early)."""


def split_problems(summary: Any, data: DataSpec) -> list[Problem]:
    """A split the user asked for that holds nothing: training would fail or silently skip it."""
    sizes = summary.split_sizes
    unit = "tokens" if summary.n_tokens is not None else "windows or sequences"
    found = []
    if not sizes.get("train"):
        found.append(
            Problem(
                "data.split.val_fraction",
                f"the training split is empty (0 {unit}): "
                "use more data or smaller validation and test fractions",
            )
        )
    for name, key, field, wanted in (
        ("validation", "val", "val_fraction", data.split.val_fraction > 0),
        ("test", "test", "test_fraction", data.split.test_fraction > 0 or bool(data.test_source)),
    ):
        if wanted and not sizes.get(key):
            found.append(
                Problem(
                    f"data.split.{field}",
                    f"the {name} split is empty (0 {unit}): raise its fraction, use more data "
                    "or a shorter window — or set the fraction to 0 to go without",
                )
            )
    return found


class DataPanel(QWidget):
    loading_changed = Signal(bool)
    load_failed = Signal(str)

    def __init__(
        self, document: ProjectDocument, parent: QWidget | None = None, deferred: bool = False
    ) -> None:
        super().__init__(parent)
        self._doc = document
        #: While deferred, loads wait for ``start_loading`` (the window calls it after its first
        #: paint: loading imports torch, whose C extension holds the GIL for a second).
        self._deferred = deferred
        self._job: Any = None
        self._pending = False
        self._generation = 0
        self._loaded_key: str | None = None
        self._requested_key: str | None = None
        self._closing = False
        self.last_error = ""
        self._announce_error = False
        self._debounce = QTimer(self)
        self._debounce.setObjectName("data_reload_debounce")
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)

        # Source row
        self.source_edit = QLineEdit()
        self.source_edit.setObjectName("source")
        self.source_edit.setPlaceholderText("a file, builtin:NAME or resource:FILE")
        self.source_edit.setToolTip(DataSpec.__dataclass_fields__["source"].metadata["doc"])
        self.source_edit.editingFinished.connect(self._source_edited)
        self.open_button = QPushButton("Open data file…")
        self.open_button.setObjectName("open_data")
        self.open_button.clicked.connect(self.choose_file)
        # A push button with a menu: the tool button's popup arrow was drawn over its text.
        self.builtin_button = QPushButton("Built-in data")
        self.builtin_button.setMenu(self._builtin_menu())
        self.progress = QProgressBar()
        self.progress.setObjectName("data_progress")
        self.progress.setMaximumWidth(140)
        self.progress.hide()
        # The loader reports progress on its thread; the GUI reads the latest value 10×/s.
        self._fraction = 0.0
        self._poll = QTimer(self)
        self._poll.setObjectName("data_progress_poll")
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._show_progress)
        self.status = plain_label(QLabel())
        self.status.setObjectName("data_status")
        source_row = QHBoxLayout()
        source_row.addWidget(QLabel("Source"))
        source_row.addWidget(self.source_edit, 1)
        source_row.addWidget(self.open_button)
        source_row.addWidget(self.builtin_button)
        source_row.addWidget(self.progress)
        self.source_error = plain_label(QLabel())
        self.source_error.setObjectName("source_error")
        self.source_error.setStyleSheet(ERROR_STYLE)
        self.source_error.setWordWrap(True)
        self.source_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source_error.hide()

        # Options
        self.options = DataOptions(document)
        for name in (
            "main_form",
            "table_form",
            "window_form",
            "text_form",
            "numpy_form",
            "split_form",
            "columns",
        ):
            setattr(self, name, getattr(self.options, name))
        self.forms = self.options.forms
        scroll = self.options_scroll = QScrollArea()
        scroll.setWidget(self.options)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(340)

        self.preview = DataPreview()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(source_row)
        layout.addWidget(self.source_error)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)

        document.changed.connect(self._on_changed)
        document.spec_replaced.connect(self._on_replaced)
        document.read_only_changed.connect(lambda ro: self._set_editable(not ro))
        self._on_changed()

    # ---- choosing a source -------------------------------------------------------------
    def _builtin_menu(self) -> QMenu:
        menu = QMenu(self)
        for source in BUILTIN_SOURCES:
            menu.addAction(source, lambda s=source: self.set_source(s))
        try:
            shipped = sorted(
                p.name for p in data_dir().iterdir() if p.is_file() and p.suffix != ".md"
            )
        except OSError:
            shipped = []
        if shipped:
            menu.addSeparator()
            for name in shipped:
                menu.addAction(f"resource:{name}", lambda n=name: self.set_source(f"resource:{n}"))
        return menu

    def choose_file(self) -> None:
        from workbench.gui.settings import last_folder, set_last_folder

        path, _ = QFileDialog.getOpenFileName(self, "Open data file", last_folder(), DATA_FILTER)
        if path:
            set_last_folder(path)
            self.open_data_file(path)

    def open_data_file(self, path: str | os.PathLike) -> None:
        """Use a file as the data source (relative to the project folder when inside it)."""
        path = Path(path).resolve()
        base = self._doc.base_dir
        text = str(path)
        if base is not None:
            with contextlib.suppress(ValueError):
                text = str(path.relative_to(base))
        self._announce_error = True  # the user picked this file: say so in a dialog if it fails
        self.set_source(text, fresh=True)
        if self._doc.spec.data.source == text:
            self.reload()  # now, without the debounce

    def set_source(self, source: str, fresh: bool = True) -> None:
        """Point the data spec at ``source``; a new file starts from its natural task."""
        if self._doc.read_only:
            return
        from workbench.core.data.loader import natural_task

        spec = copy.deepcopy(self._doc.spec)
        data = spec.data
        data.source = source
        if fresh:
            # A new file starts from the defaults, never from the previous project's (or the
            # example's) settings: z-score, split auto (chronological for a series, validation
            # stratified from the training file when a test file exists), the window fitted
            # by the data layer so every split holds one.
            data = spec.data = DataSpec(source=source)
            # A bad source keeps the default task: the loader will say what is wrong with it.
            with contextlib.suppress(WorkbenchError):
                data.task = natural_task(data, self._doc.base_dir)
        self._doc.set_spec(spec, f"Use data {source}")

    def _source_edited(self) -> None:
        text = self.source_edit.text().strip()
        if text and text != self._doc.spec.data.source:
            self.set_source(text, fresh=False)

    # ---- loading -------------------------------------------------------------------------
    def _key(self) -> str:
        data = copy.deepcopy(self._doc.spec.data)
        data.normalization_stats = None
        return f"{self._doc.base_dir}|{data.to_dict()}"

    def _on_changed(self) -> None:
        self.source_edit.setText(self._doc.spec.data.source)
        self._show_groups()
        if self._key() != self._requested_key and not self._closing:
            self._debounce.start()

    def _on_replaced(self) -> None:
        self._loaded_key = self._requested_key = None
        self.preview.clear()
        self.reload()

    def start_loading(self) -> None:
        """End the start-up deferral and load the current data."""
        if self._deferred:
            self._deferred = False
            self.reload()

    def reload(self) -> None:
        """Load the data with the current options (in the background)."""
        if self._closing or self._deferred:
            return
        self._debounce.stop()
        self._requested_key = self._key()
        if self._job is not None:  # let the running load stop at its next progress report
            self._pending = True
            self._generation += 1
            return
        from workbench.gui.worker import run_in_thread

        self._generation += 1
        generation = self._generation
        spec = copy.deepcopy(self._doc.spec.data)
        base = self._doc.base_dir

        def progress(fraction: float) -> None:
            if generation != self._generation or self._closing:
                raise _Superseded()
            self._fraction = float(fraction)  # a float store: atomic, read by _show_progress

        def load() -> Any:  # the summary only: no tensors, no torch (training loads its own)
            from workbench.core.data.loader import inspect_data

            return inspect_data(spec, base, progress)

        self._set_busy(True, f"Loading {spec.source} …")
        self._job = run_in_thread(
            load,
            on_done=lambda summary, g=generation: self._loaded(g, summary),
            on_error=lambda info, g=generation: self._failed(g, info),
            name="workbench-data-load",
            parent=self,
        )

    def _finish_job(self) -> bool:
        """Forget the finished job; start the waiting one. True when this result is current."""
        self._job = None
        self._set_busy(False)
        if self._pending and not self._closing:
            self._pending = False
            self.reload()
            return False
        return True

    def _loaded(self, generation: int, summary: DataSummary) -> None:
        if not self._finish_job() or generation != self._generation or self._closing:
            return
        self._loaded_key = self._requested_key
        self._announce_error = False
        self._show_error("")
        self._doc.data_summary = summary
        self.preview.ensure_plot()
        self.preview.show_summary(summary)
        self.columns.set_columns(
            list(summary.preview_header) if summary.format.endswith("csv") else []
        )
        self._show_groups()
        sizes = summary.split_sizes
        unit = "tokens" if summary.n_tokens is not None else "sequences"
        self.status.setText(
            f"{summary.format}: {summary.task}, train {sizes.get('train', 0):,} / "
            f"val {sizes.get('val', 0):,} / test {sizes.get('test', 0):,} {unit}"
        )
        self._doc.set_data_problems(split_problems(summary, self._doc.spec.data))
        followed = copy.deepcopy(self._doc.spec)  # copy() validates: this spec may not, yet
        fit_model_to_data(followed.model, DataShape.of(summary))
        if followed != self._doc.spec and not self._doc.read_only:
            self._doc.set_spec(followed, "Model follows the dataset")
        self._doc.data_loaded.emit(summary)

    def _failed(self, generation: int, info: Any) -> None:
        if not self._finish_job() or generation != self._generation or self._closing:
            return
        if info.is_a(_Superseded):
            return
        message = info.message + (f" — {info.hint}" if info.hint else "")
        if not info.user_error:
            message = f"{message}\n(an internal error: please report it)"
        self._loaded_key = None
        self._doc.data_summary = None
        self.preview.clear(f"The data could not be loaded:\n{message}")
        # A load error is a problem like any spec problem: Train waits, the count shows.
        self._doc.set_data_problems([Problem(self.options.error_path(message), message)])
        self._show_groups()  # the groups of this file, not of the one before
        self._show_error(message)
        self.load_failed.emit(message)
        if self._announce_error:
            self._announce_error = False
            warn(self, "Cannot load the data", message)  # may quote data cells: plain text

    # ---- errors and visibility ---------------------------------------------------------------
    def _show_error(self, message: str) -> None:
        self.last_error = message
        self.source_error.hide()
        self.status.setStyleSheet(ERROR_STYLE if message else "")
        if not message:
            return
        if self.options.show_loader_error(message):
            field = self.error_field()
            name = label_of(field)
            self.status.setText(f"⚠ The data could not be loaded: see the option “{name}” below.")
            editor = next(f.editor(field) for f in self.forms.values() if f.has_field(field))
            self.options_scroll.ensureWidgetVisible(editor, 50, 80)
        else:
            self.status.setText("")
            self.source_error.setText(f"⚠ {message}")
            self.source_error.show()

    def error_field(self) -> str:
        """Which option shows the current loader error ('source' when none fits)."""
        if not self.last_error:
            return ""
        return self.options.error_field(self.last_error) or "source"

    def _show_groups(self) -> None:
        summary = self._doc.data_summary
        if getattr(summary, "source", None) != self._doc.spec.data.source:
            summary = None  # another file's summary: go by the new file's name
        self.options.show_groups(summary)

    def _show_progress(self) -> None:
        if self._fraction <= 0.0:
            self.progress.setRange(0, 0)  # busy until the loader says how far it is
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(100 * min(self._fraction, 1.0)))

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._fraction = 0.0
        if busy:
            self._show_progress()
            self._poll.start()
        else:
            self._poll.stop()
        self.progress.setVisible(busy)
        if busy:
            self.status.setText(text)
        self.loading_changed.emit(busy)

    def _set_editable(self, editable: bool) -> None:
        for widget in (self.source_edit, self.open_button, self.builtin_button):
            widget.setEnabled(editable)

    def is_loading(self) -> bool:
        return self._job is not None

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop the debounce and wait for a running load (at window close)."""
        self._closing = True
        self._debounce.stop()
        self._poll.stop()
        self._generation += 1
        job, self._job = self._job, None
        if job is not None:
            job.join(timeout_s)
