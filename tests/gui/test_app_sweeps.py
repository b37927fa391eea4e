"""Sweeps in the app: the editor round-trips the sweep file; Run sweep trains its trials in worker
processes while the GUI keeps running, the trials appear in the runs table, and the parallel
coordinates, Optuna's importances and "open best trial" come from the real study."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtWidgets import QMessageBox

from workbench.core.spec.project import ProjectSpec
from workbench.core.sweep.definition import load_sweep, sweep_from_dict
from workbench.gui.document import ProjectDocument
from workbench.gui.panels.runs import RunsPanel
from workbench.gui.plots.parallel_coords import Axis

TINY = {
    "name": "sweep-tiny",
    "data": {"source": "builtin:seed", "builtin": {"n_samples": 160}},
    "model": {"layers": [{"type": "lstm", "hidden_size": 8}]},
    "train": {"batch_size": 16, "epochs": 1, "device": "cpu"},
}


@pytest.fixture
def boxes(monkeypatch):
    """Message boxes are recorded, never shown (a modal box would hang the test)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    return shown


def saved_panel(qtbot, tmp_path, project=TINY) -> RunsPanel:
    doc = ProjectDocument()
    doc.replace(ProjectSpec.from_dict(project), None, tmp_path)
    doc.save(tmp_path / "tiny.json")
    panel = RunsPanel(doc)
    qtbot.addWidget(panel)
    return panel


def test_sweep_editor_round_trips_the_sweep_file(qtbot, tmp_path, boxes):
    panel = saved_panel(qtbot, tmp_path)
    editor = panel.sweep.edit()
    assert editor is not None and panel.sweep.sweep_path() == tmp_path / "tiny.sweep.json"
    # A new sweep starts from the first layer's size and the learning rate.
    assert [r.path.currentText() for r in editor.rows] == [
        "model.layers[0].hidden_size",
        "train.optimizer.lr",
    ]
    editor.name.setText("size-type")
    editor.sampler.setCurrentText("grid")
    editor.jobs.setValue(2)
    editor.prune.setChecked(False)
    size, lr = editor.rows
    size.low.setText("4")
    size.high.setText("12")
    size.step.setText("4")
    editor.table.selectRow(1)
    editor.remove_selected()
    kind = editor.add_row("model.layers[0].type")
    assert kind.mode.currentText() == "choices" and kind.choices.text() == "rnn, lstm, gru"
    kind.choices.setText("lstm, gru")
    assert editor.save()
    saved = json.loads((tmp_path / "tiny.sweep.json").read_text())
    assert saved["params"] == {
        "model.layers[0].hidden_size": {"low": 4, "high": 12, "step": 4},
        "model.layers[0].type": {"choices": ["lstm", "gru"]},
    }
    assert (saved["name"], saved["sampler"], saved["jobs"]) == ("size-type", "grid", 2)
    assert saved["pruner"]["kind"] == "none"
    assert load_sweep(tmp_path / "tiny.sweep.json").grid_size() == 6

    again = panel.sweep.edit()  # reopened: the same sweep, unchanged by the round trip
    assert sweep_from_dict(again.to_dict()).to_dict() == saved
    lr_row = again.add_row("train.optimizer.lr")
    assert lr_row.log.isChecked()  # a positive real setting starts on a log scale
    lr_row.high.setText("lots")
    again.rows[0].high.setText("400000")  # too big a layer: a spec problem
    assert not again.save()
    problems = again.problems.text()
    assert "high 'lots' is not a number" in problems
    assert json.loads((tmp_path / "tiny.sweep.json").read_text()) == saved  # not written
    again.reject()
    assert boxes == []


def test_an_unsaved_project_has_no_sweep_yet(qtbot, boxes):
    panel = RunsPanel(ProjectDocument())
    qtbot.addWidget(panel)
    assert panel.sweep.edit() is None and not panel.sweep.run()
    assert boxes and "Save the project first" in boxes[-1]
    assert "Save the project" in panel.sweep.state.text()


def test_axes_place_log_ranges_and_choices():
    lr = Axis("lr", 1e-4, 1e-2, log=True)
    assert lr.position(1e-3) == pytest.approx(0.5)
    assert Axis("type", choices=("lstm", "gru", "rnn")).position("gru") == 0.5
    assert Axis("size", 4, 12).position(8) == 0.5


@pytest.mark.slow
def test_run_sweep_trains_trials_in_processes_and_shows_them(qtbot, tmp_path, boxes):
    panel = saved_panel(qtbot, tmp_path)
    sweep = {
        "name": "pair",
        "sampler": "grid",
        "jobs": 2,
        "pruner": "none",
        "params": {"model.layers[0].hidden_size": {"choices": [4, 8]}},
    }
    (tmp_path / "tiny.sweep.json").write_text(json.dumps(sweep))
    pane = panel.sweep
    ticks: list[int] = []
    pane.timer.timeout.connect(lambda: ticks.append(1))
    assert pane.run() and pane.running()
    assert pane.buttons["stop"].isEnabled() and not pane.buttons["run"].isEnabled()
    qtbot.waitUntil(lambda: not pane.running(), timeout=240_000)
    qtbot.waitUntil(lambda: pane._loading is None, timeout=30_000)
    assert boxes == []
    assert len(ticks) >= 2  # the event loop kept running while the trials trained
    summary = pane.summary
    assert [t["state"] for t in summary["trials"]] == ["complete", "complete"]
    pids = {t["pid"] for t in summary["trials"]}
    assert len(pids) == 2 and os.getpid() not in pids  # two worker processes, not the GUI
    trials = [r for r in panel.runs if r.meta.sweep == "pair"]
    assert len(trials) == 2 and {r.status for r in trials} == {"completed"}
    assert panel.proxy.rowCount() == 2
    assert "2 trials done" in pane.state.text()
    # Parallel coordinates: one line per completed trial over the size and val_loss axes.
    assert [a.title for a in pane.coords.axes] == ["layers[0] hidden_size", "val_loss"]
    assert len(pane.coords.lines) == 2
    assert set(pane.importance.values) == {"model.layers[0].hidden_size"}
    best_dir = summary["best"]["run_dir"]
    with qtbot.waitSignal(panel.open_settings_requested) as opened:
        pane.buttons["best"].click()
    assert opened.args == [best_dir]


@pytest.mark.slow
def test_stop_ends_the_running_trial_and_starts_no_other(qtbot, tmp_path, boxes):
    long = {**TINY, "train": {**TINY["train"], "epochs": 200}}
    panel = saved_panel(qtbot, tmp_path, long)
    sweep = {
        "name": "halt",
        "sampler": "random",
        "trials": 3,
        "pruner": "none",
        "params": {"model.layers[0].hidden_size": {"low": 4, "high": 8}},
    }
    (tmp_path / "tiny.sweep.json").write_text(json.dumps(sweep))
    pane = panel.sweep
    assert pane.run()
    qtbot.waitUntil(
        lambda: any(r.status == "running" and r.epoch >= 1 for r in panel.runs), timeout=120_000
    )  # the table follows the trial while it trains
    pane.buttons["stop"].click()
    qtbot.waitUntil(lambda: not pane.running(), timeout=120_000)
    qtbot.waitUntil(lambda: pane._loading is None, timeout=30_000)
    assert boxes == []
    assert pane.summary["stopped"] and "stopped" in pane.state.text()
    (trial,) = [r for r in panel.runs if r.meta.sweep == "halt"]
    assert trial.status == "stopped" and trial.epoch < 200
