"""Live training driven through the GUI panel: real engine, tiny model, few steps."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from PySide6.QtCore import Qt

from workbench.core.runs import RunDir
from workbench.core.spec.project_file import load_project
from workbench.core.training.session import start_run
from workbench.gui import worker as worker_mod
from workbench.gui.document import ProjectDocument
from workbench.gui.panels import training as training_mod
from workbench.gui.panels.training import TrainingPanel

TIMEOUT_MS = 60_000


def tiny_spec(epochs: int = 2, n_samples: int = 320):
    spec, base = load_project("example:seed-lstm")
    spec.name = "tiny-live"
    spec.data.builtin = {"n_samples": n_samples, "seed": 0}
    spec.model.layers[0].hidden_size = 8
    spec.train.epochs = epochs
    spec.train.batch_size = 32
    spec.train.device = "cpu"
    return spec, base


@pytest.fixture
def make_panel(qtbot, monkeypatch):
    """A panel on a tiny project; errors shown are recorded instead of opening a dialog."""
    shown = []
    monkeypatch.setattr(
        training_mod, "show_error_dialog", lambda parent, title, info: shown.append(info)
    )
    panels = []

    def make(epochs: int = 2, n_samples: int = 320) -> TrainingPanel:
        doc = ProjectDocument()
        spec, base = tiny_spec(epochs, n_samples)
        doc.replace(spec, None, base)
        panel = TrainingPanel(doc)
        panel.errors_shown = shown
        qtbot.addWidget(panel)
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.shutdown()


def steps_per_epoch(panel: TrainingPanel) -> int:
    spec = panel.document.spec
    n_train = round(spec.data.builtin["n_samples"] * (1 - 0.15 - 0.15))
    return math.ceil(n_train / spec.train.batch_size)


def test_live_full_run_updates_plots(qtbot, make_panel):
    panel = make_panel(epochs=2)
    states = []
    panel.run_state_changed.connect(states.append)
    read_only = []
    panel.document.read_only_changed.connect(read_only.append)
    with qtbot.waitSignal(panel.run_finished, timeout=TIMEOUT_MS) as finished:
        assert panel.train()
        assert panel.is_running()
        assert not panel.train_action.isEnabled() and panel.stop_action.isEnabled()
    assert finished.args == ["completed"]
    result = panel.result
    assert result.status == "completed" and result.epochs == 2
    counts = panel.dashboard.point_counts()
    assert result.steps == 2 * steps_per_epoch(panel)
    # one point per step on every per-step curve, one per epoch on the epoch curves
    assert counts["loss"] == counts["loss_ema"] == counts["lr"] == result.steps
    assert 1 <= counts["grad_norm"] <= result.steps  # measured every few steps
    assert counts["samples_per_s"] == result.steps
    assert counts["epoch:val_loss"] == counts["epoch:train_loss"] == 2
    assert counts["epoch:val_accuracy"] == 2
    # the plotted loss is the engine's own record of it
    logged = [r["loss"] for r in RunDir(result.run_dir).read_metrics("step")]
    assert panel.dashboard.loss.raw.series.y.tolist() == pytest.approx(logged)
    assert states == ["running", "completed"]
    assert read_only == [True, False]
    assert panel.train_action.isEnabled() and not panel.stop_action.isEnabled()
    assert "Epoch 2/2" in panel.progress_label.text()
    assert panel.progress.value() == panel.progress.maximum()
    assert not worker_mod.active_workers()
    # the run is listed, with its status and best metric; ticking it overlays its curves
    items = [panel.runs.topLevelItem(i) for i in range(panel.runs.topLevelItemCount())]
    (item,) = [it for it in items if it.data(0, Qt.ItemDataRole.UserRole) == str(result.run_dir)]
    assert item.text(1) == "completed"
    assert item.text(2).startswith("val_accuracy ")
    item.setCheckState(0, Qt.CheckState.Checked)
    assert panel.wait_for_overlays()  # the log is read on a background thread
    key = f"run:{result.run_dir}:"
    overlay = panel.dashboard.loss.plot.curves[key + "loss"]
    assert len(overlay) == result.steps
    assert overlay.series.y.tolist() == pytest.approx(logged)
    assert len(panel.dashboard.epoch_loss.curves[key + "val_loss"]) == 2
    item.setCheckState(0, Qt.CheckState.Unchecked)
    assert key + "loss" not in panel.dashboard.loss.plot.curves


def test_live_step_pause_resume_stop(qtbot, make_panel):
    panel = make_panel(epochs=50)
    n_points = lambda: panel.dashboard.point_counts()["loss"]  # noqa: E731
    panel.step(3)  # idle: starts a paused run that does exactly 3 batches
    assert panel.state == "paused"
    qtbot.waitUntil(lambda: n_points() == 3, timeout=TIMEOUT_MS)
    qtbot.wait(300)
    assert n_points() == 3, "paused run kept training"
    assert panel.lr_edit.isEnabled() and not panel.lr_edit.isReadOnly()
    panel.lr_edit.setText("0.005")
    panel._apply_lr()
    panel.step(2)
    qtbot.waitUntil(lambda: n_points() == 5, timeout=TIMEOUT_MS)
    qtbot.wait(300)
    assert n_points() == 5
    # the engine's optimizer runs with the new rate (step events report it from the next epoch)
    assert panel.session._trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.005)
    panel.resume()
    assert panel.state == "running" and panel.lr_edit.isReadOnly()
    qtbot.waitUntil(lambda: n_points() > 12, timeout=TIMEOUT_MS)
    panel.pause()
    assert panel.state == "paused"
    qtbot.wait(200)  # the batch in flight finishes, then nothing more
    paused_at = n_points()
    qtbot.wait(300)
    assert n_points() == paused_at
    with qtbot.waitSignal(panel.run_finished, timeout=TIMEOUT_MS) as finished:
        panel.stop()
        assert panel.state == "stopping"
    assert finished.args == ["stopped"]
    assert panel.result.steps == paused_at < 50 * steps_per_epoch(panel)
    run = RunDir(panel.result.run_dir)
    assert run.last_checkpoint.is_file()
    assert run.read_status()["status"] == "stopped"


class _Boom:
    def on_step_end(self, trainer, info) -> None:
        if info.step == 3:
            raise RuntimeError("boom inside the loop")


def test_live_error_in_loop_shows_dialog_and_marks_run_failed(qtbot, make_panel):
    panel = make_panel(epochs=2)

    def factory(spec, base_dir, options):
        return start_run(spec, base_dir, dataclasses.replace(options, callbacks=(_Boom(),)))

    panel.run_factory = factory
    with qtbot.waitSignal(panel.run_finished, timeout=TIMEOUT_MS) as finished:
        panel.train()
    assert finished.args == ["failed"]
    assert len(panel.errors_shown) == 1
    info = panel.errors_shown[0]
    assert "boom inside the loop" in info.message
    assert "Traceback" in info.details and "on_step_end" in info.details
    assert panel.state == "failed"
    assert not panel.document.read_only
    status = json.loads((RunDir(panel.last_run_dir).status_file).read_text())
    assert status["status"] == "failed"
    assert panel.dashboard.point_counts()["loss"] == 3


def test_live_error_before_training_starts_is_shown(qtbot, make_panel):
    panel = make_panel()

    def factory(spec, base_dir, options):
        raise ValueError("cannot build this trainer")

    panel.run_factory = factory
    with qtbot.waitSignal(panel.run_finished, timeout=TIMEOUT_MS):
        panel.train()
    assert panel.state == "failed"
    assert [i.message for i in panel.errors_shown] == ["ValueError: cannot build this trainer"]


def test_live_close_mid_run_stops_cleanly_ten_times(qtbot, make_panel, monkeypatch):
    asked = []
    monkeypatch.setattr(training_mod, "ask_stop", lambda parent: asked.append(1) or True)
    for _ in range(10):
        panel = make_panel(epochs=50)
        panel.train()
        qtbot.waitUntil(lambda p=panel: p.dashboard.point_counts()["loss"] >= 2, timeout=TIMEOUT_MS)
        assert panel.request_close()
        assert panel.closed_within_s is not None  # stop + join happened (timed in benchmarks/)
        assert not panel.is_running()
        assert not worker_mod.active_workers()
        assert panel.state == "stopped"
        assert RunDir(panel.result.run_dir).last_checkpoint.is_file()
        panel.close()
    assert len(asked) == 10


def test_live_close_can_be_cancelled(qtbot, make_panel, monkeypatch):
    monkeypatch.setattr(training_mod, "ask_stop", lambda parent: False)
    panel = make_panel(epochs=50)
    panel.train()
    assert panel.request_close() is False
    assert panel.is_running()
    assert panel.request_close(ask=False) is True
    assert not worker_mod.active_workers()


def test_live_train_blocked_with_reason(qtbot, make_panel):
    panel = make_panel()
    panel.set_train_blocked("model.layers: needs at least one RNN block")
    assert not panel.train_action.isEnabled()
    assert "needs at least one RNN block" in panel.train_action.toolTip()
    assert panel.train() is False
    panel.set_train_blocked(None)
    assert panel.train_action.isEnabled()


def test_live_window_close_mid_run_stops_training(qtbot, monkeypatch):
    """The real window: closing it while training asks, stops, joins; three times over."""
    from workbench.gui.main_window import MainWindow

    monkeypatch.setattr(training_mod, "ask_stop", lambda parent: True)
    for _ in range(3):
        window = MainWindow()
        qtbot.addWidget(window)
        spec, base = tiny_spec(epochs=50)
        window.document.replace(spec, None, base)
        with qtbot.waitSignal(window.startup_finished, timeout=TIMEOUT_MS):
            window.show()
        panel = window.training_panel
        qtbot.waitUntil(lambda p=panel: p.train_action.isEnabled(), timeout=TIMEOUT_MS)
        panel.train_action.trigger()
        qtbot.waitUntil(lambda p=panel: p.dashboard.point_counts()["loss"] >= 2, timeout=TIMEOUT_MS)
        assert window.document.read_only
        assert window.close()
        assert not window.isVisible()
        assert panel.state == "stopped" and not panel.is_running()
        assert not worker_mod.active_workers()
        assert RunDir(panel.result.run_dir).last_checkpoint.is_file()


def test_live_user_error_shows_message_and_hint(qtbot, make_panel, tmp_path):
    panel = make_panel()
    panel.document.set_value("data.source", str(tmp_path / "missing.csv"))
    with qtbot.waitSignal(panel.run_finished, timeout=TIMEOUT_MS) as finished:
        panel.train()
    assert finished.args == ["failed"]
    (info,) = panel.errors_shown
    assert "missing.csv" in info.message and not info.message.startswith("DataError")
    assert info.details  # the traceback stays available under "Show Details…"
    assert panel.status_label.text().startswith("Failed: ")
