"""The data panel: background loading, the model following the data, loader errors inline."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from workbench.core.spec.project import ProjectSpec
from workbench.gui.document import ProjectDocument
from workbench.gui.panels.data import DataPanel


@pytest.fixture
def panel(qtbot, monkeypatch):
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda parent, title, text, *a: warnings.append(text)
    )
    # Dialogs that quote data are QMessageBox instances shown as plain text (gui/plain_text.py).
    monkeypatch.setattr(QMessageBox, "exec", lambda box: warnings.append(box.text()) or 0)
    document = ProjectDocument()
    widget = DataPanel(document)
    widget.warnings = warnings
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    yield widget
    widget.shutdown()


def wait_loaded(qtbot, panel) -> None:
    qtbot.waitUntil(
        lambda: not panel.is_loading() and not panel._debounce.isActive(), timeout=30000
    )


def write_csv(path, rows: int = 80) -> None:
    lines = ["day,temp,rain"] + [f"{i},{10 + (i % 12) * 0.5},{(i * 7) % 5}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_csv_loads_in_the_background_and_the_model_follows(qtbot, panel, tmp_path):
    doc = panel._doc
    doc.replace(ProjectSpec(), base_dir=tmp_path)
    wait_loaded(qtbot, panel)
    write_csv(tmp_path / "weather.csv")
    panel.open_data_file(tmp_path / "weather.csv")
    assert panel.is_loading()  # the GUI thread went on while the file loads
    wait_loaded(qtbot, panel)
    assert panel.last_error == ""
    data = doc.spec.data
    assert data.source == "weather.csv" and data.task == "forecasting"
    summary = doc.data_summary
    assert summary.format == "wide_csv"
    assert panel.columns.columns() == list(summary.preview_header)
    assert panel.preview.rows.rowCount() == len(summary.preview_rows)
    assert "wide_csv" in panel.preview.summary_text.toPlainText()
    # the model input and head follow the dataset (one undoable step)
    prepared = doc.data_summary
    assert doc.spec.model.input.n_features == prepared.n_features
    assert doc.spec.model.head.output_size == prepared.output_size
    assert doc.undo_stack.undoText() == "Model follows the dataset"


def test_column_role_edits_the_spec_and_reloads(qtbot, panel, tmp_path):
    doc = panel._doc
    doc.replace(ProjectSpec(), base_dir=tmp_path)
    write_csv(tmp_path / "weather.csv")
    panel.open_data_file(tmp_path / "weather.csv")
    wait_loaded(qtbot, panel)
    box = panel.columns.role_box("rain")
    # The role column fits its combos (ResizeToContents ignored them: "a ▾").
    assert panel.columns.columnWidth(1) >= box.sizeHint().width()
    box.setCurrentText("target")
    box.activated.emit(box.currentIndex())
    assert doc.spec.data.target_columns == ["rain"]
    wait_loaded(qtbot, panel)
    assert doc.data_summary.target_names == ["rain"]
    assert doc.spec.model.head.output_size == doc.data_summary.output_size


def test_bad_data_file_shows_a_dialog_and_the_error_inline(qtbot, panel, tmp_path):
    doc = panel._doc
    doc.replace(ProjectSpec(), base_dir=tmp_path)
    wait_loaded(qtbot, panel)
    before_model = doc.spec.model
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"this is not a numpy file at all")
    panel.open_data_file(bad)
    wait_loaded(qtbot, panel)
    assert panel.last_error and "bad.npz" in panel.last_error
    assert len(panel.warnings) == 1 and panel.warnings[0] == panel.last_error
    assert panel.error_field() != ""
    assert doc.spec.model == before_model  # nothing followed a failed load
    # still usable: a good file clears the error
    write_csv(tmp_path / "good.csv")
    panel.open_data_file(tmp_path / "good.csv")
    wait_loaded(qtbot, panel)
    assert panel.last_error == "" and panel.source_error.isHidden()


def test_loader_error_sits_next_to_the_option_that_caused_it(qtbot, panel, tmp_path):
    doc = panel._doc
    doc.replace(ProjectSpec(), base_dir=tmp_path)
    write_csv(tmp_path / "weather.csv", rows=40)
    panel.open_data_file(tmp_path / "weather.csv")
    wait_loaded(qtbot, panel)
    doc.set_value("data.window", 500)  # longer than the series
    wait_loaded(qtbot, panel)
    assert panel.error_field() == "window"
    assert panel.window_form.error_text("window") == panel.last_error
    assert panel.warnings == []  # an option edit: inline only, no dialog
    doc.undo_stack.undo()
    wait_loaded(qtbot, panel)
    assert panel.last_error == "" and panel.window_form.error_text("window") == ""


def test_builtin_sources_switch_task_and_head(qtbot, panel):
    doc = panel._doc
    doc.open("example:seed-lstm")
    wait_loaded(qtbot, panel)
    doc.edit("small", lambda s: s.data.builtin.update(n_samples=200))
    panel.set_source("builtin:sine")
    wait_loaded(qtbot, panel)
    assert doc.spec.data.task == "forecasting"
    assert doc.spec.model.head.kind == "sequence"
    assert doc.spec.model.head.output_size == doc.data_summary.output_size
    assert doc.data_summary.series is not None


def test_options_are_read_only_while_training(qtbot, panel, tmp_path):
    doc = panel._doc
    doc.replace(ProjectSpec(), base_dir=tmp_path)
    write_csv(tmp_path / "weather.csv")
    panel.open_data_file(tmp_path / "weather.csv")
    wait_loaded(qtbot, panel)
    doc.set_read_only(True)  # what the training panel does while a run uses the spec
    assert not panel.window_form.editor("window").isEnabled()
    assert not panel.split_form.editor("val_fraction").isEnabled()
    assert not panel.columns.role_box("temp").isEnabled()
    assert not panel.source_edit.isEnabled()
    doc.set_read_only(False)
    assert panel.window_form.editor("window").isEnabled()
    assert panel.columns.role_box("temp").isEnabled()


def test_large_file_loads_while_the_event_loop_keeps_running(qtbot, panel, tmp_path):
    from PySide6.QtCore import QTimer

    doc = panel._doc
    doc.replace(ProjectSpec(), base_dir=tmp_path)
    wait_loaded(qtbot, panel)
    big = tmp_path / "big.csv"
    lines = ["a,b,c"] + [f"{i},{(i * 7) % 13 * 0.5},{(i * 3) % 11}" for i in range(200_000)]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ticks = []
    seen_bar = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(
        lambda: (ticks.append(1), seen_bar.append(not panel.progress.isHidden()))
    )
    heartbeat.start()
    try:
        panel.open_data_file(big)
        wait_loaded(qtbot, panel)
    finally:
        heartbeat.stop()
    assert panel.last_error == "" and doc.data_summary.series.shape[0] == 200_000
    assert len(ticks) >= 2 and any(seen_bar)  # the GUI thread ran, with the bar showing
    assert panel.progress.isHidden()


def test_text_file_makes_a_token_model_with_a_per_step_head(qtbot, panel, tmp_path):
    doc = panel._doc
    doc.replace(ProjectSpec(), base_dir=tmp_path)
    wait_loaded(qtbot, panel)
    text = tmp_path / "poem.txt"
    text.write_text("the quick brown fox jumps over the lazy dog\n" * 200, encoding="utf-8")
    panel.open_data_file(text)
    wait_loaded(qtbot, panel)
    assert panel.last_error == ""
    model = doc.spec.model
    assert doc.spec.data.task == "language_model"
    assert model.input.kind == "tokens" and model.input.vocab_size == doc.data_summary.vocab_size
    assert model.head.kind == "per_step" and model.head.output_size == doc.data_summary.output_size
    assert doc.problems() == []
    assert "the quick brown fox" in panel.preview.text_sample.toPlainText()


def test_a_new_file_starts_from_the_defaults_not_the_example(qtbot, panel, tmp_path):
    from workbench.core.spec.project_file import load_project

    example, _ = load_project("example:airline-forecast")
    example.data.normalization = "minmax"  # settings a user file must not inherit
    panel._doc.replace(example, base_dir=tmp_path)
    wait_loaded(qtbot, panel)
    write_csv(tmp_path / "weather.csv", rows=30)
    panel.open_data_file(tmp_path / "weather.csv")
    wait_loaded(qtbot, panel)
    data = panel._doc.spec.data
    assert data.normalization == "zscore" and data.target_transforms == []
    assert data.split.kind == "auto" and data.target_columns == []
    summary = panel._doc.data_summary
    # 30 rows leave 22 for training: the default window 24 is shortened, and says so
    assert summary.window == 21 and min(summary.split_sizes.values()) >= 1
    assert "window shortened" in panel.preview.summary_text.toPlainText()


def test_european_csv_shows_read_values_and_left_out_columns(qtbot, panel, tmp_path):
    doc = panel._doc
    doc.replace(ProjectSpec(), base_dir=tmp_path)
    wait_loaded(qtbot, panel)
    rows = ["Datum;Station;Umsatz;Kurs"] + [
        f"{2018 + m // 12}-{m % 12 + 1:02d}-01;Nord;{(1000 + m * 150) // 1000}."
        f"{(1000 + m * 150) % 1000:03d},5;4,{7185 + m}"
        for m in range(60)
    ]
    (tmp_path / "export.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    panel.open_data_file(tmp_path / "export.csv")
    wait_loaded(qtbot, panel)
    assert panel.last_error == ""
    assert panel.preview.rows.item(1, 2).text() == "1.150,5 → 1150.5"
    text = panel.preview.summary_text.toPlainText()
    assert "columns left out" in text and "'Station'" in text
    panel.grab().save("/tmp/i10_panel.png")


def test_target_transforms_and_season_are_in_the_window_options(qtbot, panel):
    from workbench.core.spec.project_file import load_project

    example, _ = load_project("example:airline-forecast")
    panel._doc.replace(example)
    wait_loaded(qtbot, panel)
    chooser = panel.options.transforms
    assert chooser.combo.currentText() == "log → difference → seasonal difference"
    chooser.combo.setCurrentIndex(chooser.combo.findText("difference"))
    chooser._commit(chooser.combo.currentIndex())
    assert panel._doc.spec.data.target_transforms == ["difference"]
    assert panel._doc.undo_stack.undoText() == "Set target transforms"
    panel._doc.undo()
    assert chooser.combo.currentText() == "log → difference → seasonal difference"
    assert panel.options.window_form.editor("season").text() == "auto"
