"""Issue 15, the first hour in the app: state that tells the truth, no silent edits, plots that
read well, a window that fits, help inside the app. Each test drives the real window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from workbench.gui.main_window import MainWindow
from workbench.gui.panels import training as training_mod

TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot, monkeypatch):
    """The window with every view built (not shown: no paint needed), dialogs recorded."""
    dialogs: list[tuple[str, str]] = []
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(
            QMessageBox, name, lambda p, title, text, *a, **k: dialogs.append((title, text))
        )
    # Boxes that quote a file are QMessageBox instances shown as plain text (gui/plain_text.py).
    monkeypatch.setattr(
        QMessageBox, "exec", lambda box: dialogs.append((box.windowTitle(), box.text())) or 0
    )
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    errors: list = []
    monkeypatch.setattr(
        training_mod, "show_error_dialog", lambda parent, title, info: errors.append(info)
    )
    win = MainWindow()
    qtbot.addWidget(win)
    win.dialogs, win.errors = dialogs, errors
    win.open_project("example:seed-lstm")
    win.finish_startup()
    qtbot.waitUntil(lambda: win._devices_ready, timeout=TIMEOUT_MS)
    wait_data(qtbot, win)
    yield win
    win.document.undo_stack.setClean()
    win.shutdown()


def wait_data(qtbot, win) -> None:
    panel = win.data_panel
    qtbot.waitUntil(
        lambda: not panel.is_loading() and not panel._debounce.isActive(), timeout=TIMEOUT_MS
    )


def use_file(qtbot, win, path) -> None:
    win.data_panel.open_data_file(path)
    wait_data(qtbot, win)


def _type(qtbot, editor, text: str) -> None:
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def tiny(win, epochs: int = 30) -> None:
    doc = win.document
    doc.edit("tiny", lambda s: s.data.builtin.update(n_samples=320, seed=0))
    doc.set_value("model.layers[0].hidden_size", 8)
    doc.set_value("train.epochs", epochs)
    doc.set_value("train.device", "cpu")


# ---- 1. a data load error or an empty split blocks Train, with the reason and the count ----
@pytest.mark.parametrize(
    "content",
    ["\x00\x01garbage\x02\n\x03", "", "a,b,c\n"],
    ids=["garbage", "empty", "header-only"],
)
def test_unloadable_data_blocks_train_without_a_traceback(qtbot, window, tmp_path, content):
    train = window.training_panel.train_action
    assert train.isEnabled() and window.status_problems.text() == "✓ ready to train"
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    use_file(qtbot, window, path)
    assert window.data_panel.last_error
    assert not train.isEnabled()
    assert window.data_panel.last_error in train.toolTip()
    assert window.status_problems.text() == "⚠ 1 problem"
    assert not window.training_panel.train()  # F5 does nothing; no traceback dialog
    assert window.errors == []
    # back to good data: ready again
    window.data_panel.set_source("builtin:seed")
    wait_data(qtbot, window)
    assert train.isEnabled() and window.status_problems.text() == "✓ ready to train"


def write_series(path, rows: int) -> None:
    path.write_text(
        "t,value\n" + "".join(f"{i},{(i * 7) % 11}\n" for i in range(rows)), encoding="utf-8"
    )


def test_a_window_longer_than_the_series_is_flagged_on_the_window(qtbot, window, tmp_path):
    write_series(tmp_path / "short.csv", 60)
    use_file(qtbot, window, tmp_path / "short.csv")
    window.document.set_value("data.window", 500)
    wait_data(qtbot, window)
    assert window.data_panel.window_form.error_text("window")
    assert not window.training_panel.train_action.isEnabled()


def test_empty_validation_and_test_splits_block_train(qtbot, window, tmp_path):
    write_series(tmp_path / "series.csv", 120)
    # 1% of 120 steps: val and test parts of one step each hold no window of their own
    use_file(qtbot, window, tmp_path / "series.csv")  # (a new file starts from the defaults)
    for field, value in (("strict", True), ("val_fraction", 0.01), ("test_fraction", 0.01)):
        window.document.set_value(f"data.split.{field}", value)
    wait_data(qtbot, window)
    assert window.data_panel.last_error == ""
    problems = window.document.problems()
    assert any("validation split is empty" in p for p in problems)
    assert any("test split is empty" in p for p in problems)
    split = window.data_panel.split_form
    assert "validation split is empty" in split.error_text("val_fraction")
    assert "test split is empty" in split.error_text("test_fraction")
    assert not window.training_panel.train_action.isEnabled()
    assert window.status_problems.text() == "⚠ 2 problems"
    window.document.set_value("data.split.strict", False)  # windows may reach back: ready
    wait_data(qtbot, window)
    assert window.document.problems() == []


# ---- 2. errors on the right field; option groups of the current file -------------------------
def test_predefined_split_error_lands_on_the_split_kind(qtbot, window):
    window.document.set_value("data.split.kind", "predefined")
    wait_data(qtbot, window)
    split = window.data_panel.split_form
    assert "test file" in split.error_text("kind")
    assert split.error_text("val_fraction") == ""


def write_ts(path) -> None:
    path.write_text(
        "@problemName toy\n@timeStamps false\n@univariate true\n@classLabel true a b\n@data\n"
        + "".join(f"{i},{i + 1},{i + 2},{i % 3}:{'ab'[i % 2]}\n" for i in range(40)),
        encoding="utf-8",
    )


def test_option_groups_follow_the_new_file_after_a_failed_load(qtbot, window, tmp_path):
    ts = tmp_path / "motion.ts"
    write_ts(ts)
    use_file(qtbot, window, ts)
    options = window.data_panel.options
    assert options.table_box.isHidden()  # a .ts file has no CSV options
    bad = tmp_path / "bad.csv"
    bad.write_text("\x00\x01garbage\n", encoding="utf-8")
    use_file(qtbot, window, bad)
    assert window.data_panel.last_error
    assert not options.table_box.isHidden()  # the CSV options, to fix the CSV


# ---- 3. undo/redo off while training; read-only forms say why ----------------------------------
def test_undo_is_off_and_forms_say_why_while_a_run_trains(qtbot, window):
    doc = window.document
    tiny(window, epochs=200)
    assert window.undo_action.isEnabled()
    panel = window.training_panel
    assert panel.train()
    try:
        assert doc.read_only
        assert not window.undo_action.isEnabled() and not window.redo_action.isEnabled()
        assert "while a run trains" in window.undo_action.toolTip()
        before = doc.spec
        doc.undo()  # Ctrl+Z reaches the document: refused
        assert doc.spec == before
        assert not window.read_only_banner.isHidden()
        assert "read-only while a run trains" in window.read_only_banner.text()
        editor = window.train_settings.loop_form.editor("epochs")
        assert not editor.isEnabled() and "Read-only while a run trains" in editor.toolTip()
    finally:
        panel.stop()
        qtbot.waitUntil(lambda: not panel.is_running(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not doc.read_only, timeout=TIMEOUT_MS)
    assert window.undo_action.isEnabled() and window.read_only_banner.isHidden()


# ---- 4. no silent edits --------------------------------------------------------------------------
def test_head_size_set_by_the_data_is_shown_read_only_with_the_reason(window):
    head = window.model_panel.head_form
    editor = head.editor("output_size")
    assert not editor.isEnabled()
    reason = head.derived_reason("output_size")
    assert reason.startswith("Set by the data") and "classes" in reason
    assert head._errors["output_size"].text() == reason  # shown under the field
    assert head.error_text("output_size") == ""  # a note, not an error


def test_out_of_range_typing_shows_the_spec_message(qtbot, window):
    doc = window.document
    panel = window.model_panel
    panel.select(0)
    _type(qtbot, panel.block_form.editor("hidden_size"), "0")
    assert doc.spec.model.layers[0].hidden_size == 0  # kept, not silently reverted
    assert "must be" in panel.block_form.error_text("hidden_size")
    _type(qtbot, panel.block_form.editor("hidden_size"), "32")
    # "-0.5" stays -0.5 (not -0.0) and gets the spec's message
    form = window.data_panel.split_form
    _type(qtbot, form.editor("val_fraction"), "-0.5")
    assert doc.spec.data.split.val_fraction == -0.5
    assert "≥ 0" in form.error_text("val_fraction") or "must be" in form.error_text("val_fraction")
    line = window.train_settings.optimizer_form.editor("lr")
    _type(qtbot, line, "-0")
    assert str(doc.spec.train.optimizer.lr) == "0.0" and line.text() == "0"


def test_redo_keys_and_undo_entries_name_the_block(qtbot, window):
    keys = {k.toString() for k in window.redo_action.shortcuts()}
    assert {"Ctrl+Y", "Ctrl+Shift+Z"} <= keys
    panel = window.model_panel
    panel.add_actions["gru"].trigger()
    _type(qtbot, panel.block_form.editor("hidden_size"), "12")
    text = window.document.undo_stack.undoText()
    assert text == "Set hidden size (block 2: GRU)"
    assert window.undo_action.text() == f"&Undo {text}"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    window.document.undo()
    assert window.document.undo_stack.redoText() == text
    window.redo_action.trigger()
    assert window.document.spec.model.layers[1].hidden_size == 12


# ---- 6. the stop dialog says what is true; no stale ETA after Stop -----------------------------
def test_stop_dialog_is_true_and_progress_is_cleared_after_stop(qtbot, window):
    from workbench.gui.panels.training_support import stop_question

    text = stop_question("/runs/x")
    assert "workbench resume" in text and "/runs/x" in text
    tiny(window, epochs=200)
    panel = window.training_panel
    assert panel.train()
    qtbot.waitUntil(lambda: panel.dashboard.point_counts()["loss"] >= 3, timeout=TIMEOUT_MS)
    panel._show_progress()
    panel.stop()
    qtbot.waitUntil(lambda: not panel.is_running() and panel.state == "stopped", timeout=TIMEOUT_MS)
    label = panel.progress_label.text()
    assert label.startswith("Stopped at Epoch")
    assert "ETA" not in label and "samples/s" not in label


# ---- 7. the x axis grows with the run; few gradient norms show as points -----------------------
def test_x_axis_grows_with_the_run_and_few_points_are_markers(qtbot):
    import numpy as np

    from workbench.gui.plots.dashboard import TrainingDashboard

    dash = TrainingDashboard()
    qtbot.addWidget(dash)
    dash.set_plan(10_000, 10)
    plot = dash.grad_norm
    curve = plot.curves["live:grad_norm"]
    curve.extend(np.array([5.0, 10.0]), np.array([1.0, 0.8]))
    plot.refresh()
    lo, hi = plot._range[0]  # the x range the plot set (the view follows it)
    assert hi < 100  # not the whole planned run: early training is not a sliver
    assert hi >= 10 * 1.2  # headroom to grow into
    assert curve.item.opts["symbol"] == "o"  # two points are points, not a line
    curve.extend(np.arange(11.0, 9_000.0), np.ones(8_989))
    plot.refresh()
    lo, hi = plot._range[0]
    assert 9_000 <= hi <= 10_200  # capped at the planned end
    assert curve.item.opts["symbol"] is None


# ---- 9. Inspect's refresh: what the intro promises, with a control for the cost --------------
def test_inspect_refresh_trades_overhead_for_rate(qtbot):
    from workbench.gui.widgets.inspect_controls import InspectControls
    from workbench.gui.widgets.inspect_intro import INTRO

    controls = InspectControls()
    qtbot.addWidget(controls)
    changed = []
    controls.probe_changed.connect(lambda: changed.append(1))
    assert controls.options().budget == 0.02
    controls.refresh.setCurrentIndex(1)
    assert changed
    options = controls.options()
    assert options.budget == 0.06 and options.max_per_s >= 5
    assert "Refresh" in INTRO and "6%" in INTRO and "2%" in INTRO


# ---- 10. GUI overhead: redraw only what is seen, at a bounded rate -------------------------------
def test_dashboard_redraws_visible_plots_at_least_five_times_a_second(qtbot):
    from workbench.core.training.events import StepEvent
    from workbench.gui.plots.dashboard import TrainingDashboard

    dash = TrainingDashboard()
    qtbot.addWidget(dash)
    step = [0]

    def feed() -> None:  # 25 steps per 100 ms tick: a 4 ms step
        events = []
        for _ in range(25):
            step[0] += 1
            events.append(
                StepEvent(
                    step=step[0],
                    epoch=1,
                    loss=1.0 / step[0],
                    lr=1e-3,
                    grad_norm=1.0,
                    samples_per_s=1000.0,
                    progress=step[0] / 1e5,
                )
            )
        dash.handle(events)

    def ticks(seconds: float, start: float) -> int:
        before = dash.redraws
        for k in range(int(seconds * 10)):
            feed()
            dash.refresh(now=start + k * 0.1)
        return dash.redraws - before

    assert ticks(2.0, 1000.0) == 0  # not on screen (another tab): no redraws at all
    dash.resize(900, 500)
    dash.show()
    qtbot.waitExposed(dash)
    assert dash.loss.raw.item.getData()[0] is not None  # shown: caught up at once
    rate = ticks(10.0, 2000.0) / 10.0
    assert 5.0 <= rate <= 7.0, rate  # ≥ 5 redraws/s of the visible plots, well under 10
    dash.close()


# ---- 11. plot export: sized, one way, legend off the data ----------------------------------------
def test_plot_export_is_large_with_one_menu_and_the_legend_off_the_data(qtbot, tmp_path):
    import numpy as np
    from PySide6.QtGui import QImage

    from workbench.gui.plots.live_plot import LivePlot

    plot = LivePlot("Loss per epoch", "epoch")
    qtbot.addWidget(plot)
    plot.resize(400, 260)
    for key, offset in (("train_loss", 0.0), ("val_loss", 0.1)):
        plot.add_curve(key, "#1f77b4", key).extend(
            np.arange(1.0, 9.0), np.linspace(1, 0, 8) + offset
        )
    plot.refresh()
    plot.export(tmp_path / "p.png")
    image = QImage(str(tmp_path / "p.png"))
    assert image.width() >= 1600 and abs(image.height() / image.width() - 260 / 400) < 0.01
    plot.export(tmp_path / "q.png", width=2400)
    assert QImage(str(tmp_path / "q.png")).width() == 2400
    assert plot.getPlotItem().scene().contextMenu == []  # pyqtgraph's own Export… is gone
    plot.show()
    qtbot.waitExposed(plot)
    qtbot.wait(50)  # the plot's layout settles
    legend = plot.getPlotItem().legend
    view = plot.getPlotItem().getViewBox()
    assert legend.isVisible() and legend.sceneBoundingRect().height() > 5
    assert legend.parentItem() is not view
    assert legend.sceneBoundingRect().top() >= view.sceneBoundingRect().bottom()
    plot.close()


# ---- 8. Train from another tab shows the live plots (a setting turns it off) -------------------
def test_train_from_another_tab_switches_to_the_plots(qtbot, window):
    tiny(window, epochs=200)
    panel = window.training_panel
    window.tabs.setCurrentIndex(1)
    assert window.follow_training_action.isChecked()
    panel.train_action.trigger()
    assert window.tabs.currentIndex() == 2
    panel.stop()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=TIMEOUT_MS)
    window.follow_training_action.setChecked(False)
    window.tabs.setCurrentIndex(0)
    panel.train_action.trigger()
    assert window.tabs.currentIndex() == 0
    panel.stop()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=TIMEOUT_MS)
    from workbench.gui.settings import follow_training

    assert not follow_training()  # remembered


# ---- 12. the window fits a 1366×768 screen -------------------------------------------------------
def test_window_fits_a_1366x768_screen(qtbot, window):
    from PySide6.QtCore import QRect

    from workbench.gui.main_window import default_size

    width, height = default_size(window, QRect(0, 0, 1366, 728))  # 768 less a task bar
    assert width <= 1366 and height <= 700
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 700, hint
    window.resize(1366, 700)
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        window.show()
        qtbot.waitExposed(window)
        assert window.height() <= 700 and window.width() <= 1366
        bar = window.statusBar()
        assert bar.isVisible() and bar.geometry().bottom() < window.height()
    window.document.undo_stack.setClean()


def test_preview_plots_any_feature_with_a_colour_per_class(qtbot, window):
    preview = window.data_panel.preview
    summary = window.document.data_summary
    picker = preview.feature_picker
    texts = [picker.itemText(i) for i in range(picker.count())]
    assert texts == ["all 10 features", *summary.feature_names]
    assert picker.currentText() == "x0"  # sequences start on one feature
    labels = summary.preview_labels
    assert len(set(labels)) >= 3 and len(labels) == len(summary.preview_series)
    items = preview.plot.plotItem.listDataItems()
    assert len(items) == len(labels)
    colour = {}
    for item, label in zip(items, labels):
        colour.setdefault(label, set()).add(item.opts["pen"].color().name())
    assert all(len(c) == 1 for c in colour.values())  # one colour per class …
    assert len({next(iter(c)) for c in colour.values()}) == len(colour)  # … and per class apart
    legend = [label.text for _, label in preview.plot.plotItem.legend.items]
    assert sorted(legend) == sorted(set(labels))
    preview.pick_feature("x3")
    assert "(x3)" in preview.plot_caption.text()
    preview.pick_feature("")
    assert len(preview.plot.plotItem.listDataItems()) == 10 * len(labels)


# ---- 13. first-run hint, user guide, shortcuts, plain words -------------------------------------
def test_first_run_hint_is_dismissed_for_good(qtbot):
    first = MainWindow()
    qtbot.addWidget(first)
    assert not first.first_run_hint.isHidden()
    assert "example" in first.first_run_hint.label.text()
    first.first_run_hint.dismiss()
    first.shutdown()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.first_run_hint.isHidden()
    second.shutdown()


def test_user_guide_renders_in_the_app_with_its_screenshots(qtbot, window):
    from PySide6.QtWidgets import QTextBrowser

    from workbench.gui.help import guide_path

    window.guide_action.trigger()
    dialog = window.guide_dialog
    browser = dialog.findChild(QTextBrowser, "user_guide")
    text = browser.toPlainText()
    for heading in ("Data", "Model", "Training", "Inspect", "Project file", "Command line"):
        assert heading in text, heading
    assert guide_path().read_text(encoding="utf-8").count("](screenshots/") >= 3
    image = browser.document().resource(3, "screenshots/data.png")  # 3 = ImageResource
    assert image is not None and not image.isNull()
    dialog.close()


def test_keyboard_shortcuts_list_the_window_actions(window):
    from workbench.gui.help import shortcut_rows

    rows = dict(shortcut_rows(window))
    assert rows["Train"] == "F5"
    assert "Ctrl+Y" in rows["Redo"] and "Ctrl+Shift+Z" in rows["Redo"]
    assert rows["Undo"] == QKeySequence(QKeySequence.StandardKey.Undo).toString(
        QKeySequence.SequenceFormat.NativeText
    )
    window.shortcuts_action.trigger()
    dialog = window.shortcuts_dialog
    assert dialog.isVisible()
    dialog.close()


def test_messages_use_plain_words(qtbot, window, tmp_path):
    write_series(tmp_path / "series.csv", 120)  # notes: the val/test parts hold no window
    use_file(qtbot, window, tmp_path / "series.csv")  # (a new file starts from the defaults)
    for field, value in (("strict", True), ("val_fraction", 0.01), ("test_fraction", 0.01)):
        window.document.set_value(f"data.split.{field}", value)
    wait_data(qtbot, window)
    text = window.data_panel.preview.summary_text.toPlainText()
    assert "no windows" in text and "note: " not in text
    write_ts(tmp_path / "toy_TRAIN.ts")
    write_ts(tmp_path / "toy_TEST.ts")
    use_file(qtbot, window, tmp_path / "toy_TRAIN.ts")
    text = window.data_panel.preview.summary_text.toPlainText()
    assert "test set from the test file" in text
    assert "predefined (test file)" not in text and "problem:" not in text
