"""File › Predict on File / Evaluate / Export Model / Export Report: background jobs with
progress and cancel, results in the Predictions dialog and the Evaluate view."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from workbench.core.spec.project import ProjectSpec
from workbench.core.training import Trainer
from workbench.gui import use_model

SHOTS = os.environ.get("WORKBENCH_SHOTS")  # set to a folder to keep the rendered views


def _train(folder: Path, spec: dict, name: str) -> Path:
    project = ProjectSpec.from_dict(
        {"name": name, **spec, "train": {"batch_size": 16, "epochs": 1, "device": "cpu"}}
    )
    Trainer(project, folder, run_dir=folder / name).run()
    return folder / name


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("gui-runs")
    data = Path(__file__).resolve().parents[2] / "resources" / "data" / "airline-passengers.csv"
    (folder / "airline.csv").write_text(data.read_text())
    return {
        "classifier": _train(
            folder,
            {
                "data": {"source": "builtin:seed", "builtin": {"n_samples": 200}},
                "model": {"layers": [{"type": "lstm", "hidden_size": 8}]},
            },
            "classifier",
        ),
        "forecast": _train(
            folder,
            {
                "data": {"source": "airline.csv", "task": "forecasting", "window": 12},
                "model": {"layers": [{"type": "gru", "hidden_size": 6}]},
            },
            "forecast",
        ),
        "data": folder / "airline.csv",
    }


@pytest.fixture
def window(qtbot, monkeypatch):
    errors: list = []
    monkeypatch.setattr(
        "workbench.gui.panels.training_support.show_error_dialog",
        lambda parent, title, info: errors.append(info),
    )
    w = QWidget()
    w.quiet_info = True
    w.errors = errors
    qtbot.addWidget(w)
    return w


def _wait(qtbot, job) -> None:
    qtbot.waitUntil(lambda: not job.is_running(), timeout=60_000)


def _shot(widget, name: str) -> None:
    if SHOTS:
        widget.resize(900, 620)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def test_evaluate_view_shows_the_whole_test_split(qtbot, window, trained):
    job = use_model.evaluate(window, trained["classifier"])
    _wait(qtbot, job)
    view = window.evaluate_view
    try:
        assert not window.errors
        assert view.confusion.counts.sum() == 30  # all 30 test sequences, not a 4-sequence probe
        assert view.per_class.rowCount() == 10 + 2  # classes + macro and weighted averages
        wrong = view.misclassified.rowCount()
        assert f"Misclassified ({wrong})" in [
            view.tabs.tabText(i) for i in range(view.tabs.count())
        ]
        assert "accuracy" in view.summary.text()
        _shot(view, "evaluate-classification")
        # A misclassified test sequence opens in Inspect, computed from the same checkpoint.
        from workbench.gui.document import ProjectDocument
        from workbench.gui.panels.inspect import InspectPanel

        window.inspect_panel = InspectPanel(ProjectDocument())
        qtbot.addWidget(window.inspect_panel)
        job = view.show_in_inspect(0)
        assert job.join(60.0)
        panel = window.inspect_panel
        qtbot.waitUntil(lambda: panel.snapshot is not None, timeout=10_000)
        shown = panel.snapshot.inputs.shape[0]
        assert shown == 1 and panel.context.probe_split == "test"
        panel.shutdown()
    finally:
        view.close()


def test_forecast_overlay_and_predictions_dialog(qtbot, window, trained, tmp_path):
    job = use_model.evaluate(window, trained["forecast"])
    _wait(qtbot, job)
    view = window.evaluate_view
    try:
        assert view.tabs.count() == 1 and "RMSE" in view.summary.text()
        _shot(view, "evaluate-forecast")
    finally:
        view.close()
    job = use_model.predict_on_file(window, trained["forecast"], str(trained["data"]))
    _wait(qtbot, job)
    dialog = window.predictions_dialog
    try:
        assert dialog.table.rowCount() == 144 - 12 + 1
        assert dialog.table.horizontalHeaderItem(0).text() == "index"
        saved = dialog.save(str(tmp_path / "p.csv"))
        assert len(Path(saved).read_text().splitlines()) == 1 + 133
        _shot(dialog, "predictions")
    finally:
        dialog.close()


def test_export_model_and_report(qtbot, window, trained, tmp_path):
    job = use_model.export_model(window, trained["classifier"], "pytorch", str(tmp_path / "py"))
    _wait(qtbot, job)
    assert not window.errors
    assert {"model.py", "weights.npz", "model-card.md"} <= {
        p.name for p in (tmp_path / "py").iterdir()
    }
    assert window.last_export.max_abs_diff <= 1e-6
    job = use_model.export_report(window, trained["forecast"], str(tmp_path / "r.html"))
    _wait(qtbot, job)
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_errors_reach_the_user_and_cancel_is_quiet(qtbot, window, tmp_path):
    job = use_model.evaluate(window, tmp_path / "no-run")
    _wait(qtbot, job)
    assert len(window.errors) == 1 and "no such run folder" in window.errors[0].message
    window.errors.clear()

    from workbench.core.serving.predict import Cancelled

    def slow(state):
        while not state.should_stop():
            state.set_progress(0.5)
            time.sleep(0.01)
        raise Cancelled()

    done = []
    progress = use_model.Progress(window, "working…")
    job = progress.start(slow, done.append, window)
    qtbot.wait(50)
    progress.cancel()
    _wait(qtbot, job)
    assert not done and not window.errors
