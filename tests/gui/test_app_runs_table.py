"""The Runs tab: differing-settings columns, sort/filter/column chooser, diff, rename/notes/
star/delete with undo, open settings; resume a stopped run and load a run into Inspect."""

from __future__ import annotations

import test_live_training as live
from run_helpers import fake_run, spec_with

from workbench.core.run_store import read_meta
from workbench.core.runs import RunDir
from workbench.core.training.session import RunOptions, start_run
from workbench.gui.document import ProjectDocument
from workbench.gui.panels.inspect import InspectPanel
from workbench.gui.panels.inspect_load import load_run_into
from workbench.gui.panels.runs import RunsPanel
from workbench.gui.runs_tab import open_run_settings

make_panel = live.make_panel


def saved_document(tmp_path, spec=None) -> ProjectDocument:
    doc = ProjectDocument()
    doc.replace(spec or spec_with(), None, tmp_path)
    doc.save(tmp_path / "demo.json")
    return doc


def cells(panel: RunsPanel, header: str) -> list[str]:
    col = [c.header for c in panel.columns].index(header)
    return [panel.proxy.index(r, col).data() for r in range(panel.proxy.rowCount())]


def test_table_shows_only_differing_settings_and_sorts_filters_diffs(qtbot, tmp_path):
    doc = saved_document(tmp_path)
    root = doc.runs_root()
    fake_run(root, spec_with(64, 1e-3), val_accuracy=0.91)
    fake_run(root, spec_with(32, 1e-3), val_accuracy=0.72)
    fake_run(root, spec_with(16, 1e-3), status="stopped", val_accuracy=0.85)
    panel = RunsPanel(doc)
    qtbot.addWidget(panel)
    settings = [c.key for c in panel.columns if c.kind == "setting"]
    assert settings == ["model.layers[0].hidden_size"]  # lr is the same everywhere: no column
    headers = [c.header for c in panel.columns]
    assert headers[:5] == ["★", "Run", "Status", "Duration", "Epochs"]
    assert {"val_loss", "val_accuracy"} <= set(headers)

    col = [c.header for c in panel.columns].index("val_accuracy")
    panel.table.sortByColumn(
        col, panel.table.horizontalHeader().sortIndicatorOrder().DescendingOrder
    )
    assert cells(panel, "val_accuracy") == ["0.91", "0.85", "0.72"]  # numeric, not text order
    panel.filter_edit.setText("stopped")
    assert cells(panel, "Run") == ["lstm-16 lr 1e-3 #3"]
    panel.filter_edit.setText("")

    panel.set_column_visible("model.layers[0].hidden_size", False)
    assert "model.layers[0].hidden_size" not in panel.column_keys()
    panel.reload()  # the choice survives a reload
    assert "model.layers[0].hidden_size" not in panel.column_keys()

    keys = [r.key for r in panel.runs]
    panel.select_keys(keys[:2])
    assert "model.layers[0].hidden_size" in panel.diff.toPlainText()
    assert "16" in panel.diff.toPlainText() and "32" in panel.diff.toPlainText()


def test_rename_notes_star_delete_undo_and_open_settings(qtbot, tmp_path, monkeypatch):
    doc = saved_document(tmp_path)
    a = fake_run(doc.runs_root(), spec_with(64, 1e-3))
    b = fake_run(doc.runs_root(), spec_with(32, 1e-2, "gru"))
    panel = RunsPanel(doc)
    qtbot.addWidget(panel)
    panel.select_keys([str(a)])
    panel.rename("baseline")
    panel.annotate("first try", ["base"])
    panel.toggle_star()
    meta = read_meta(a)
    assert (meta.name, meta.notes, meta.tags, meta.starred) == (
        "baseline",
        "first try",
        ["base"],
        True,
    )
    assert "★" in cells(panel, "★")

    panel.select_keys([str(b)])
    panel.delete()
    assert not b.exists() and len(panel.runs) == 1
    panel.undo_delete()
    assert b.is_dir() and len(panel.runs) == 2

    window = type("W", (), {})()  # what open_run_settings needs of the main window
    window.document, window.tabs = doc, type("T", (), {"setCurrentIndex": lambda *a: None})()
    assert open_run_settings(window, str(b))
    assert doc.spec.model.layers[0].type == "gru" and doc.spec.train.optimizer.lr == 1e-2
    assert doc.spec.name == "demo"
    doc.undo_stack.undo()
    assert doc.spec.model.layers[0].type == "lstm"


class _StopAfterFirstEpoch:
    def on_epoch_end(self, trainer, metrics) -> None:
        trainer.control.stop()


def test_resume_a_stopped_run_from_the_app(qtbot, make_panel, tmp_path):
    panel = make_panel(epochs=2, n_samples=160)
    spec, base = live.tiny_spec(epochs=2, n_samples=160)
    run_dir = tmp_path / "run"
    session = start_run(
        spec, base, RunOptions(run_dir=run_dir, callbacks=(_StopAfterFirstEpoch(),))
    )
    assert session.run().status == "stopped"
    assert RunDir(run_dir).read_status()["epoch"] == 1
    with qtbot.waitSignal(panel.run_finished, timeout=live.TIMEOUT_MS) as finished:
        assert panel.continue_run(run_dir)
    assert finished.args == ["completed"]
    status = RunDir(run_dir).read_status()
    assert status["status"] == "completed" and status["epoch"] == 2
    assert sum(1 for r in RunDir(run_dir).read_metrics("resume")) == 1  # same folder, resumed


def test_load_a_finished_run_into_inspect(qtbot, tmp_path):
    spec, base = live.tiny_spec(epochs=1, n_samples=160)
    run_dir = tmp_path / "run"
    assert start_run(spec, base, RunOptions(run_dir=run_dir)).run().status == "completed"
    panel = InspectPanel(ProjectDocument())
    qtbot.addWidget(panel)
    job = load_run_into(panel, run_dir)
    assert job.join(60.0)
    qtbot.waitUntil(lambda: panel.snapshot is not None, timeout=10_000)
    assert panel.context is not None and panel.context.task == "classification"
    assert panel.snapshot.blocks and panel.snapshot.epoch == 1
    assert panel.grad_flow is not None and "checkpoint" in panel.status.text()
    panel.shutdown()


def test_reloading_leaves_no_stale_qt_wrappers(qtbot, tmp_path):
    # The table used to be filled with Python QStandardItem objects; model.clear() deleted them
    # behind PySide6's back and a later QAction at a freed address came back as a QStandardItem
    # (the main window then failed to build its menus in a full test run).
    from PySide6.QtWidgets import QMenu

    doc = saved_document(tmp_path)
    for hidden in (4, 8, 12, 16, 24, 32, 48, 64):
        fake_run(doc.runs_root(), spec_with(hidden, 1e-3), val_accuracy=0.5)
    panels = [RunsPanel(doc) for _ in range(20)]
    for panel in panels:
        qtbot.addWidget(panel)
        for _ in range(3):
            panel.reload()
        panel.model.clear()  # what the next reload starts with
    menu = QMenu()
    qtbot.addWidget(menu)
    kinds = {type(menu.addAction(str(i))).__name__ for i in range(5000)}
    assert kinds == {"QAction"}
