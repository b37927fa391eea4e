"""Gate health, trajectory, snapshots and the throttled Probe callback."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from workbench.core.inspection.probe import Probe, probe_batch
from workbench.core.inspection.snapshot import LayerView, gate_health, make_snapshot, trajectory
from workbench.core.models import build_model
from workbench.core.spec.layers import GRUSpec, LSTMSpec, RNNSpec
from workbench.core.spec.project import HeadSpec, InputSpec, ModelSpec


def _model(layers, head=None, n_features=2, seed=0):
    torch.manual_seed(seed)
    return build_model(
        ModelSpec(
            input=InputSpec(n_features=n_features),
            layers=layers,
            head=head or HeadSpec(output_size=1),
        )
    )


def test_gate_health_counts_saturation_and_frozen_units():
    b, t, h = 2, 5, 3
    forget = np.full((b, t, h), 0.5, np.float32)
    forget[..., 0] = 0.99  # unit 0's forget gate saturated everywhere
    hidden = np.random.default_rng(0).normal(size=(b, t, h)).astype(np.float32)
    hidden[..., 2] = 0.25  # unit 2 never moves
    gates = {
        "input": np.full((b, t, h), 0.5, np.float32),
        "forget": forget,
        "cell": np.full((b, t, h), -0.95, np.float32),
        "output": np.full((b, t, h), 0.5, np.float32),
    }
    view = LayerView(0, "lstm", 0, 0, hidden, gates, cell=hidden)
    health = gate_health(view)
    assert health.saturation["forget"] == pytest.approx(1 / 3)
    assert health.saturation["cell"] == 1.0  # |tanh| > 0.9 counts
    assert health.saturation["input"] == 0.0
    assert health.saturated_fraction == pytest.approx((1 / 3 + 1) / 4)
    assert health.frozen_units.tolist() == [2]
    assert health.mean_forget == pytest.approx((0.99 + 0.5 + 0.5) / 3)
    assert health.mean_update is None


def test_padding_never_shows_up_as_activity():
    """Padded steps are NaN and excluded from health, trajectory and the frozen-unit test."""
    model = _model([GRUSpec(hidden_size=4, bidirectional=True)])
    x = torch.randn(3, 8, 2)
    lengths = torch.tensor([8, 3, 5])
    x[1, 3:] = 100.0  # garbage in the padding must not change anything
    snap = make_snapshot(model, x, lengths, step=7, epoch=2)
    clean = x.clone()
    clean[1, 3:] = 0.0
    snap_clean = make_snapshot(model, clean, lengths)
    assert len(snap.blocks) == 2 and snap.step == 7 and snap.kind == "probe"
    for view, other in zip(snap.blocks, snap_clean.blocks):
        assert np.isnan(view.hidden[1, 3:]).all() and np.isfinite(view.hidden[1, :3]).all()
        for name, g in view.gates.items():
            assert np.isnan(g[1, 3:]).all(), name
        np.testing.assert_allclose(view.hidden, other.hidden, equal_nan=True, atol=1e-6)
    for a, b in zip(snap.gate_health, snap_clean.gate_health):
        assert a.saturation == pytest.approx(b.saturation)
        assert a.mean_update == pytest.approx(b.mean_update)
    for tr in snap.trajectory:
        assert tr.points.shape == (3, 8, 2)
        assert np.isnan(tr.points[1, 3:]).all() and np.isfinite(tr.points[1, :3]).all()
    assert snap.lengths.tolist() == [8, 3, 5]
    assert snap.inputs.dtype == np.float32


def test_trajectory_finds_the_dominant_direction():
    rng = np.random.default_rng(1)
    s = np.linspace(-1, 1, 20)
    hidden = np.zeros((1, 20, 3), np.float32)
    hidden[0, :, 0] = 5 * s
    hidden[0, :, 1] = 5 * s  # PC1 along (1, 1, 0)
    hidden[0, :, 2] = 0.1 * rng.normal(size=20)
    tr = trajectory(LayerView(0, "rnn", 0, 0, hidden, {}))
    assert tr.explained_variance[0] > 0.99
    assert tr.explained_variance.sum() <= 1.0 + 1e-9
    # PC1 coordinate is monotone in time along the line (sign fixed: largest loading positive).
    assert (np.diff(tr.points[0, :, 0]) > 0).all()


def test_snapshot_for_every_block_kind():
    for layers, names in (
        ([RNNSpec(hidden_size=3)], {"preactivation"}),
        ([LSTMSpec(hidden_size=4, proj_size=2)], {"input", "forget", "cell", "output"}),
        ([GRUSpec(hidden_size=3)], {"reset", "update", "new"}),
    ):
        model = _model(layers)
        snap = make_snapshot(model, torch.randn(2, 6, 2))
        (view,) = snap.blocks
        assert set(view.gates) == names
        assert all(isinstance(v, np.ndarray) for v in view.gates.values())
        assert (view.cell is not None) == (layers[0].type == "lstm")
        if layers[0].type == "lstm":
            assert view.hidden.shape == (2, 6, 2) and view.cell.shape == (2, 6, 4)
            assert 0 < snap.gate_health[0].mean_forget < 1


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_probe_is_throttled_and_publishes_plain_snapshots():
    model = _model([LSTMSpec(hidden_size=4)])
    clock = _Clock()
    got = []
    probe = Probe(
        torch.randn(2, 6, 2),
        torch.randn(2, 1),
        task="regression",
        publish=got.append,
        max_per_s=5.0,
        budget=0.5,
        clock=clock,
    )
    trainer = SimpleNamespace(model=model)
    for step in range(1, 11):  # 10 steps within 0.1 s: only the first is taken
        probe.on_step_end(trainer, SimpleNamespace(step=step, epoch=1))
        clock.now += 0.01
    assert [s.step for s in got] == [1]
    clock.now += 0.2
    probe.on_step_end(trainer, SimpleNamespace(step=11, epoch=1))
    assert [s.step for s in got] == [1, 11]
    assert got[-1].grad_flow is None and not got[-1].has_grad_flow
    probe.on_epoch_end(trainer, {"val_loss": 1.0})  # affordable: views take no time on this clock
    assert got[-1].has_grad_flow and got[-1].epoch == 1 and got[-1].step == 11
    assert got[-1].grad_flow.layers[0].dh.shape == (6,)
    probe.on_train_end(trainer, None)  # always a final full snapshot, whatever the budget
    assert len(got) == 4 and got[-1].has_grad_flow
    for snap in got:  # no tensors anywhere
        assert not any(isinstance(v, torch.Tensor) for v in vars(snap).values())


def test_probe_keeps_within_its_time_budget():
    model = _model([GRUSpec(hidden_size=4)])
    ticks = iter(np.arange(0.0, 1000.0, 0.1))  # every clock read advances 0.1 s
    probe = Probe(
        torch.randn(1, 4, 2), publish=lambda s: None, budget=0.01, clock=lambda: next(ticks)
    )
    trainer = SimpleNamespace(model=model)
    for step in range(1, 2001):
        probe.on_step_end(trainer, SimpleNamespace(step=step, epoch=1))
    # each snapshot reads the clock twice (cost 0.1 s); ~2000 hook reads span ~200 s of "training"
    elapsed = 0.1 * (2000 + 2 * probe.count)
    assert probe.cost_s == pytest.approx(0.1 * probe.count)
    assert probe.cost_s <= 0.01 * elapsed + 0.1
    assert probe.count >= 0.01 * elapsed / 0.1 - 2  # and it does use its budget


def test_probe_batch_from_splits():
    stream = torch.arange(50)
    x, y, lengths = probe_batch(SimpleNamespace(x=stream, y=None, lengths=None), n=3, seq_len=10)
    assert x.shape == (3, 10) and torch.equal(y, x + 1) and lengths is None
    split = SimpleNamespace(
        x=torch.randn(6, 9, 2),
        y=torch.randint(0, 3, (6, 9)),
        lengths=torch.tensor([4, 6, 5, 9, 9, 9]),
        mask=None,
    )
    x, y, lengths = probe_batch(split, n=3)
    assert x.shape == (3, 6, 2) and lengths.tolist() == [4, 6, 5]
    assert (y[0, 4:] == -100).all() and (y[1] >= 0).all()
    x, y, lengths = probe_batch(split, indices=[3, 0])
    assert torch.equal(x, split.x[[3, 0]]) and lengths.tolist() == [9, 4]
