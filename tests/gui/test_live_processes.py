"""A run on 2 processes started from the app (CPU, gloo): the panel starts
`workbench train --nproc 2` as a subprocess and follows it through the run folder."""

from __future__ import annotations

import pytest
from process_helpers import processes_mentioning

from workbench.core.inspection.events import ProbeSnapshot
from workbench.core.inspection.feed import InspectionSettings
from workbench.core.runs import RunDir
from workbench.core.spec.project_file import load_project
from workbench.gui import worker as worker_mod
from workbench.gui.document import ProjectDocument
from workbench.gui.panels import training as training_mod
from workbench.gui.panels.train_settings import TrainSettingsPanel
from workbench.gui.panels.training import TrainingPanel

pytestmark = pytest.mark.slow
TIMEOUT_MS = 240_000  # start-up imports torch in three processes


@pytest.fixture
def panel(qtbot, monkeypatch):
    shown: list = []
    monkeypatch.setattr(training_mod, "show_error_dialog", lambda p, t, info: shown.append(info))
    spec, base = load_project("example:seed-lstm")
    spec.name = "two-processes"
    spec.data.builtin = {"n_samples": 160, "seed": 0}
    spec.model.layers[0].hidden_size = 8
    spec.train.epochs = 500
    spec.train.batch_size = 16
    spec.train.device = "cpu"
    doc = ProjectDocument()
    doc.replace(spec, None, base)
    panel = TrainingPanel(doc)
    settings = TrainSettingsPanel(doc)
    panel.set_settings_widget(settings)  # Training › Device › Processes drives the panel
    settings.processes.setValue(2)
    panel.errors_shown = shown
    qtbot.addWidget(panel)
    yield panel
    panel.shutdown()


def test_two_processes_plot_live_inspect_rank_0_and_stop(qtbot, panel):
    assert panel.processes == 2 and not panel.step_action.isEnabled()
    panel.inspection = InspectionSettings()
    probes: list = []
    panel.probe_received.connect(probes.append)
    assert panel.train()
    assert not panel.pause_action.isEnabled() and not panel.lr_edit.isEnabled()
    assert panel.stop_action.isEnabled()
    counts = panel.dashboard.point_counts
    qtbot.waitUntil(lambda: counts().get("epoch:val_loss", 0) >= 2, timeout=TIMEOUT_MS)
    # Rank 0's epoch checkpoint, inspected in this process: a snapshot for the Inspect tab.
    qtbot.waitUntil(lambda: any(isinstance(p, ProbeSnapshot) for p in probes), timeout=60_000)
    # Speed and ETA once two reads of the folder brought steps (the first read has no rate).
    progress = panel.progress_label.text
    qtbot.waitUntil(lambda: "samples/s" in progress() and "ETA" in progress(), timeout=60_000)
    run_dir = panel.worker.run_dir
    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as finished:
        panel.stop()
    assert finished.args == ["stopped"]
    assert panel.errors_shown == []
    assert RunDir(run_dir).read_status()["status"] == "stopped"
    assert RunDir(run_dir).read_info()["world_size"] == 2
    steps = RunDir(run_dir).read_metrics("step")
    assert counts()["loss"] == len(steps) == panel.result.steps  # every step plotted once
    assert not (run_dir / "stop.request").exists()
    assert not worker_mod.active_workers()
    assert processes_mentioning(str(run_dir)) == []


def test_a_failing_multi_process_run_shows_the_processes_error(qtbot, panel, tmp_path):
    spec = panel.document.spec
    spec.data.source = str(tmp_path / "missing.csv")
    spec.data.builtin = {}
    with qtbot.waitSignal(panel.run_finished, timeout=TIMEOUT_MS) as finished:
        assert panel.train()
    assert finished.args == ["failed"]
    (info,) = panel.errors_shown
    assert "missing.csv: no such file" in info.message
    # One dialog: rank 0's words, or "process 1 failed: …" when rank 1 met it first and the
    # launcher stopped rank 0 before it got there (both name the file).
    assert info.details  # the processes' output, under "Show Details…"
    assert processes_mentioning(str(tmp_path)) == []
