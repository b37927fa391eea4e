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


# ---- every path that shows a file's, a run's or a project's strings --------------------------
MARK = '<b>x</b><img src="y.png">'
NAME = "<b>x<img src=y.png>"  # markup that is a file name (no slash)


def rendered(text: str, fmt=Qt.TextFormat.AutoText) -> str:
    """What Qt shows for ``text``: markup is rendered when the format is (or is guessed) rich."""
    from PySide6.QtGui import Qt as GuiQt
    from PySide6.QtGui import QTextDocument

    if fmt == Qt.TextFormat.PlainText or (
        fmt == Qt.TextFormat.AutoText and not GuiQt.mightBeRichText(text)
    ):
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


class Shown:
    """Records modal message boxes (instances and the static question) instead of showing them."""

    def __init__(self, monkeypatch) -> None:
        self.texts: list[str] = []
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self._exec(box))
        monkeypatch.setattr(
            QMessageBox,
            "question",
            lambda parent, title, text, *a: (
                self.texts.append(rendered(text)) or QMessageBox.StandardButton.Cancel
            ),
        )

    def _exec(self, box: QMessageBox) -> int:
        labels = [lb for lb in box.findChildren(QLabel) if lb.text()]
        self.texts += [rendered(lb.text(), lb.textFormat()) for lb in labels]
        return 0

    def quoted(self, mark: str = MARK) -> bool:
        return any(mark in t for t in self.texts)


def _widget(**attrs):
    from PySide6.QtWidgets import QWidget

    w = QWidget()
    for k, v in attrs.items():
        setattr(w, k, v)
    return w


def test_as_plain_shows_markup_literally_and_leaves_plain_text_alone():
    from workbench.gui.plain_text import as_plain

    assert rendered(as_plain(MARK)) == MARK
    assert rendered(as_plain(f"{MARK}\nline two")) == f"{MARK}\nline two"
    assert as_plain("a < b, 3 > 2") == "a < b, 3 > 2"


def test_live_plot_export_failure(qtbot, monkeypatch, tmp_path):
    from workbench.gui.plots import live_plot

    shown = Shown(monkeypatch)
    plot = live_plot.LivePlot("loss")
    qtbot.addWidget(plot)
    target = tmp_path / f"{NAME}.csv"
    target.mkdir()  # a folder of that name: the export fails naming it
    monkeypatch.setattr(live_plot, "ask_export_path", lambda *a: target)
    plot._export_interactive("csv")
    assert shown.quoted(NAME)


def test_learning_rate_typed_in_the_training_panel(qtbot, monkeypatch):
    from PySide6.QtWidgets import QLineEdit

    from workbench.gui.panels.training import TrainingPanel

    shown = Shown(monkeypatch)
    w = _widget(state="paused", worker=object(), lr_edit=QLineEdit(MARK), status_label=QLabel())
    qtbot.addWidget(w)
    TrainingPanel._apply_lr(w)
    assert shown.quoted()


def test_runs_panel_and_runs_tab_errors(qtbot, monkeypatch, tmp_path):
    from types import SimpleNamespace

    from workbench.core.errors import WorkbenchError
    from workbench.gui.panels.runs import RunsPanel
    from workbench.gui.runs_tab import open_run_settings

    shown = Shown(monkeypatch)
    w = _widget(reload=lambda: None, document=SimpleNamespace(read_only=False))
    qtbot.addWidget(w)

    def fail():
        raise WorkbenchError(f"run {MARK} is gone", "pick another")

    RunsPanel._act(w, fail)
    assert shown.quoted()
    shown.texts.clear()
    assert not open_run_settings(w, str(tmp_path / NAME))
    assert shown.quoted(NAME)


def test_project_save_failure_unsaved_question_and_stop_question(qtbot, monkeypatch, tmp_path):
    from types import SimpleNamespace

    from workbench.gui.panels.training_support import ask_stop
    from workbench.gui.projects import ProjectActions

    shown = Shown(monkeypatch)

    def save(path):
        raise PermissionError(13, "Permission denied")

    doc = SimpleNamespace(save=save, modified=True, display_name=f"{MARK}.json")
    w = _widget(document=doc, worker=SimpleNamespace(run_dir=tmp_path / NAME))
    qtbot.addWidget(w)
    assert not ProjectActions._save_to(w, tmp_path / f"{NAME}.json")
    assert shown.quoted(NAME)
    shown.texts.clear()
    assert not ProjectActions.maybe_save(w)  # the patched question answers Cancel
    assert shown.quoted()
    shown.texts.clear()
    assert not ask_stop(w)
    assert shown.quoted(NAME)


def test_project_problems_use_model_notice_and_internal_error(qtbot, monkeypatch):
    from types import SimpleNamespace

    from workbench.gui.app import show_error
    from workbench.gui.projects import ProjectActions
    from workbench.gui.use_model import _inform
    from workbench.gui.worker import ErrorInfo

    shown = Shown(monkeypatch)
    doc = SimpleNamespace(open_problems=[], problems=lambda: [f"data.source: {MARK}"])
    w = _widget(document=SimpleNamespace(display_name="p.json", **vars(doc)))
    qtbot.addWidget(w)
    ProjectActions._report_open_problems(w)
    assert shown.quoted()
    for call in (
        lambda: _inform(w, "Report written", f"Report written to {MARK}"),
        lambda: show_error(ErrorInfo(f"bad cell {MARK}", MARK, "details"), w),
    ):
        shown.texts.clear()
        call()
        assert shown.quoted()


def test_labels_and_tooltips_that_quote_names_are_plain(qtbot, tmp_path):
    from run_helpers import fake_run, spec_with

    from workbench.core.run_store import update_meta
    from workbench.gui.document import ProjectDocument
    from workbench.gui.panels.inspect import InspectPanel
    from workbench.gui.panels.model import ModelPanel
    from workbench.gui.panels.runs import RunsPanel
    from workbench.gui.plots.predictions_view import PredictionsView
    from workbench.gui.widgets.lm_sampler import LMSampler

    doc = ProjectDocument()
    doc.replace(spec_with(), None, tmp_path)
    doc.save(tmp_path / "demo.json")
    update_meta(fake_run(doc.runs_root(), spec_with()), name=MARK, notes=MARK)
    runs = RunsPanel(doc)
    views = [runs, InspectPanel(doc), ModelPanel(doc), PredictionsView(), LMSampler()]
    for view in views:
        qtbot.addWidget(view)
    labels = [
        runs.status,
        views[1].status,
        views[2].problems_label,
        views[3].caption,
        views[3].message,
        views[4].status,
    ]
    for label in labels:
        label.setText(MARK)
        assert rendered(label.text(), label.textFormat()) == MARK
    col = [c.key for c in runs.columns].index("name")
    tip = runs.model.item(0, col).toolTip()
    assert MARK in rendered(tip) and rendered(tip).count(MARK) == 2  # name and notes


def test_progress_dialog_label_names_the_file_as_text(qtbot):
    from workbench.gui.use_model import Progress

    progress = Progress(None, f"Predicting on {NAME}…")
    qtbot.addWidget(progress.dialog)
    assert rendered(progress.dialog.labelText()) == f"Predicting on {NAME}…"
    progress.dialog.reset()  # stops the dialog's show-after-a-delay timer
