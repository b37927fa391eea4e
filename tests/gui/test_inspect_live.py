"""GUI-driven tiny training runs: the Inspect views receive data live from the worker thread."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.data import load_data
from workbench.core.inspection.events import ProbeOptions
from workbench.core.spec.project import DataSpec, HeadSpec, InputSpec
from workbench.core.spec.project_file import load_project
from workbench.gui import worker as worker_mod
from workbench.gui.document import ProjectDocument
from workbench.gui.panels import training as training_mod
from workbench.gui.panels.inspect import TABS, InspectPanel
from workbench.gui.panels.training import TrainingPanel

TIMEOUT_MS = 90_000
#: No throttling in tests: a snapshot every step, gradient flow at every epoch end.
EAGER = ProbeOptions(n=3, budget=1e9, max_per_s=1000.0)


def tiny_spec(kind: str, tmp_path):
    spec, base = load_project("example:seed-lstm")
    spec.name = f"inspect-{kind}"
    spec.train.epochs, spec.train.batch_size, spec.train.device = 2, 32, "cpu"
    spec.model.layers[0].hidden_size = 8
    if kind == "classification":
        spec.data.builtin = {"n_samples": 240, "seed": 0}
    elif kind == "forecasting":
        spec.data = DataSpec(
            source="builtin:sine", task="forecasting", window=12, builtin={"length": 400}
        )
        spec.model.input.n_features, spec.model.head.output_size = 1, 1
    elif kind == "language_model":
        text = tmp_path / "tiny.txt"
        text.write_text("the cat sat on the mat.\nthe dog sat on the log.\n" * 30, encoding="utf-8")
        spec.data = DataSpec(source=str(text), task="language_model", seq_len=20)
        spec.model.input = InputSpec(kind="tokens", vocab_size=20, embedding_dim=8)
        spec.model.head = HeadSpec(kind="per_step", output_size=20)
        spec.train.batch_size = 8
    return spec, base


@pytest.fixture
def panels(qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(training_mod, "show_error_dialog", lambda *a: pytest.fail(f"error {a}"))
    made = []

    def make(kind: str):
        doc = ProjectDocument()
        spec, base = tiny_spec(kind, tmp_path)
        doc.replace(spec, None, base)
        training = TrainingPanel(doc)
        inspect = InspectPanel(doc)
        inspect.bind_training(training)
        inspect.hook.options = EAGER
        for w in (training, inspect):
            qtbot.addWidget(w)
        inspect.resize(1280, 760)
        made.append((training, inspect))
        return training, inspect

    yield make
    for training, inspect in made:
        training.shutdown()
        inspect.shutdown()


def run(qtbot, training) -> None:
    with qtbot.waitSignal(training.run_finished, timeout=TIMEOUT_MS) as done:
        assert training.train()
    assert done.args == ["completed"]
    assert not worker_mod.active_workers()


def test_classification_run_feeds_every_view(qtbot, panels):
    training, inspect = panels("classification")
    inspect.show()
    seen = []
    training.probe_received.connect(lambda e: seen.append(e.name))
    run(qtbot, training)
    assert {"context", "inspection", "predictions"} <= set(seen)
    qtbot.waitUntil(lambda: not inspect._render_soon.isActive())  # the coalesced redraw ran
    steps = training.result.steps
    assert 2 <= inspect.snapshots_received <= 2 * steps  # every step at most, plus epoch ends
    snap = inspect.snapshot
    assert snap.inputs.shape[:2] == (3, 10)
    assert inspect.heatmap.image_values().shape == (10, 8)  # time × units
    counts = inspect.gate_health.point_counts()
    assert counts["saturated:0.0.0"] == counts["memory:0.0.0"] >= 2
    assert inspect.grad_flow.epochs == [1, 2]
    assert inspect.context.class_names and inspect.context.probe_split == "val"
    pred = inspect.predictions
    assert pred.currentWidget() is pred.confusion
    cm = pred.confusion.counts
    val = load_data(training.document.spec.data).val
    assert cm.shape == (10, 10) and cm.sum() == len(val)  # every validation sequence
    assert np.diag(cm).sum() / cm.sum() == pytest.approx(pred.latest.classification.accuracy)
    assert pred.latest.epoch == 2
    for i in range(len(TABS)):  # every tab draws without error
        inspect.tabs.setCurrentIndex(i)
    inspect.hide()
    inspect.show()


def test_forecasting_run_shows_one_step_and_rollout(qtbot, panels):
    training, inspect = panels("forecasting")
    run(qtbot, training)
    view = inspect.predictions
    assert view.currentWidget() is view.forecast
    n = view.forecast.point_count("true")
    assert n > 10 and view.forecast.point_count("one_step") == n
    assert view.forecast.point_count("rollout") == n  # the target is also the input: feedback
    true = view.forecast.curves["true"].series.y
    assert np.isfinite(true).all() and true.std() > 0  # original units, not a flat line


def test_language_model_run_samples_text_on_a_background_job(qtbot, panels):
    training, inspect = panels("language_model")
    run(qtbot, training)
    assert inspect._is_text()
    inspect.tabs.setCurrentIndex(TABS.index("Activations"))
    inspect.render()
    assert inspect.text_view.tokens and set("".join(inspect.text_view.tokens)) <= set(
        "the cat sat on mat.\ndoglg"
    )
    sampler = inspect.predictions.sampler
    assert inspect.predictions.currentWidget() is sampler
    assert sampler.text  # sampled at the epoch end, in the worker
    assert sampler.button.isEnabled()
    sampler.temperature.setValue(0.0)
    assert inspect.hook.sampling.temperature == 0.0
    sampler.length.setValue(15)
    sampler.prime_edit.setText("the ")
    sampler.button.click()
    qtbot.waitUntil(lambda: "Sampled now" in sampler.status.text(), timeout=TIMEOUT_MS)
    assert len(sampler.text) == 15  # characters: 15 tokens
    inspect.shutdown()
    assert not worker_mod.active_workers()


def test_inspection_off_attaches_nothing(qtbot, panels):
    training, inspect = panels("classification")
    inspect.controls.enabled.setChecked(False)
    seen = []
    training.probe_received.connect(seen.append)
    run(qtbot, training)
    assert seen == [] and inspect.snapshot is None
    assert inspect.stack.currentIndex() == 0 and "Inspection is off" in inspect.intro.text()


def test_main_window_binds_the_inspect_tab(qtbot, tmp_path):
    from workbench.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    try:
        win.finish_startup()
        spec, base = tiny_spec("classification", tmp_path)
        spec.train.epochs = 1
        win.document.replace(spec, None, base)
        inspect, training = win.inspect_panel, win.training_panel
        assert isinstance(inspect, InspectPanel)
        assert win.tabs.indexOf(inspect) == 3
        assert training.inspection is inspect.hook
        assert inspect.stack.currentIndex() == 0  # the explanation before any training
        run(qtbot, training)
        # default throttling (the core Probe's budget): at least the first step's snapshot
        assert inspect.snapshots_received >= 1 and inspect.stack.currentIndex() == 1
        assert inspect.snapshot.step >= 1 and inspect.context.task == "classification"
    finally:
        win.document.undo_stack.setClean()
        win.shutdown()
