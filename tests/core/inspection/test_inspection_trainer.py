"""The Probe as a callback of the real training engine: snapshots arrive as plain events."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.core.inspection.predictions import ClassificationView, ForecastView, SampleView
from workbench.core.inspection.probe import Probe
from workbench.core.inspection.snapshot import ProbeSnapshot
from workbench.core.spec.layers import GRUSpec, LSTMSpec, RNNSpec
from workbench.core.spec.project import (
    DataSpec,
    HeadSpec,
    InputSpec,
    ModelSpec,
    ProjectSpec,
    TrainSpec,
)
from workbench.core.training import Trainer


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models: extra intra-op threads only spin against each other on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


PROJECTS = {
    "classification-lstm": (
        DataSpec(source="builtin:seed", task="classification", builtin={"n_samples": 120}),
        InputSpec(n_features=10),
        LSTMSpec(hidden_size=6, bidirectional=True),
        HeadSpec(output_size=10),
    ),
    "tagging-gru": (
        DataSpec(
            source="builtin:copy",
            task="tagging",
            builtin={"n_samples": 80, "delay": 5, "copy_length": 3},
        ),
        InputSpec(n_features=1),
        GRUSpec(hidden_size=6, num_layers=2),
        HeadSpec(kind="per_step", output_size=2),
    ),
    "forecasting-rnn": (
        DataSpec(source="builtin:sine", task="forecasting", builtin={"length": 300}, window=12),
        InputSpec(n_features=1),
        RNNSpec(hidden_size=6),
        HeadSpec(output_size=1),
    ),
}


@pytest.mark.parametrize("name", list(PROJECTS))
def test_probe_publishes_snapshots_during_a_real_run(name, tmp_path):
    data, inp, layer, head = PROJECTS[name]
    spec = ProjectSpec(
        data=data,
        model=ModelSpec(input=inp, layers=[layer], head=head),
        train=TrainSpec(batch_size=16, epochs=2, device="cpu", seed=1),
    )
    trainer = Trainer(spec, run_dir=tmp_path / "run")
    probe = Probe.attach(trainer, n=3, budget=1e6, max_per_s=1e6)  # no throttling in the test
    got: list[ProbeSnapshot] = []
    trainer.events.subscribe(lambda e: got.append(e) if e.kind == "probe" else None)
    result = trainer.run()
    assert result.status == "completed"
    assert got and all(isinstance(s, ProbeSnapshot) for s in got)
    assert probe.loss_fn == trainer.loss_fn  # the task's own loss
    steps = [s.step for s in got]
    assert steps == sorted(steps) and steps[0] == 1
    with_flow = [s for s in got if s.has_grad_flow]
    assert [s.epoch for s in with_flow] == [1, 2, 2]  # each epoch end, and the end of training
    flow = with_flow[-1].grad_flow
    # Every forward direction gets gradient at every step (a reverse one read by 'last'
    # pooling only sees its first step: that is the true picture, not a bug).
    forward = [lf for lf in flow.layers if lf.direction == 0]
    assert forward and all(np.isfinite(lf.dh).all() and (lf.dh > 0).all() for lf in forward)
    predictions = with_flow[-1].predictions
    expected = {
        "classification": ClassificationView,
        "tagging": type(None),
        "forecasting": ForecastView,
    }
    assert isinstance(predictions, expected[spec.data.task])
    if isinstance(predictions, ClassificationView):
        assert predictions.confusion.sum() == len(trainer.data.val)
    if isinstance(predictions, ForecastView):
        assert predictions.one_step.shape == predictions.rollout.shape == predictions.true.shape
    last = got[-1]
    n_layers = layer.num_layers * (2 if layer.bidirectional else 1)
    assert len(last.blocks) == len(last.gate_health) == len(last.trajectory) == n_layers
    assert last.inputs.shape[0] == 3 and last.lengths.shape == (3,)
    for view in last.blocks:
        assert view.hidden.shape[:2] == last.inputs.shape[:2]
        assert not any(isinstance(v, torch.Tensor) for v in view.gates.values())


def test_language_model_probe_carries_its_characters(tmp_path):
    text = tmp_path / "tiny.txt"
    text.write_text("the quick brown fox jumps over the lazy dog.\n" * 30, encoding="utf-8")
    spec = ProjectSpec(
        data=DataSpec(source=str(text), task="language_model", seq_len=16),
        model=ModelSpec(
            input=InputSpec(kind="tokens", embedding_dim=8),
            layers=[LSTMSpec(hidden_size=8)],
            head=HeadSpec(kind="per_step"),
        ),
        train=TrainSpec(batch_size=4, epochs=1, device="cpu"),
    )
    trainer = Trainer(spec, run_dir=tmp_path / "run")
    probe = Probe.attach(trainer, n=2, budget=1e6)
    trainer.run()
    snap = probe.latest
    assert snap is not None and snap.has_grad_flow
    assert snap.inputs.shape == (2, 16) and len(snap.tokens) == 2
    assert "".join(snap.tokens[0]) == trainer.data.decode(snap.inputs[0])
    assert snap.blocks[0].hidden.shape == (2, 16, 8)
    assert isinstance(snap.predictions, SampleView) and len(snap.predictions.text) >= 200
