"""The Inspect panel fed with real ProbeSnapshots of tiny models of every block type."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.core.inspection.events import InspectContext
from workbench.core.inspection.probe import Probe
from workbench.core.models import build_model
from workbench.core.spec.layers import GRUSpec, LSTMSpec, RNNSpec
from workbench.core.spec.project import HeadSpec, InputSpec, ModelSpec
from workbench.gui.panels.inspect import TABS, InspectPanel
from workbench.gui.widgets.inspect_controls import QUANTITIES

T, F = 9, 2

MODELS = {
    "rnn": [RNNSpec(hidden_size=5)],
    "rnn-relu": [RNNSpec(hidden_size=5, nonlinearity="relu")],
    "lstm": [LSTMSpec(hidden_size=6)],
    "gru": [GRUSpec(hidden_size=4)],
    "bidirectional-lstm-2-layers": [LSTMSpec(hidden_size=3, num_layers=2, bidirectional=True)],
    "gru-then-rnn": [GRUSpec(hidden_size=4, bidirectional=True), RNNSpec(hidden_size=3)],
}


def _snapshot(layers, lengths=None, seed=0, step=5, epoch=1):
    torch.manual_seed(seed)
    model = build_model(
        ModelSpec(input=InputSpec(n_features=F), layers=layers, head=HeadSpec(output_size=1))
    )
    x = torch.randn(3, T, F)
    if lengths is not None:
        for i, n in enumerate(lengths.tolist()):
            x[i, n:] = 0.0
    y = torch.randn(3, 1)
    probe = Probe(x, y, lengths, task="regression")
    return probe.snapshot(model, step=step, epoch=epoch, with_grad_flow=True)


def _context(**kw):
    base = dict(
        task="regression",
        vocab=None,
        token_joiner="",
        class_names=None,
        target_names=["y"],
        feature_names=["value", "marker"],
        probe_split="val",
    )
    base.update(kw)
    return InspectContext(**base)


@pytest.fixture
def panel(qtbot):
    p = InspectPanel()
    qtbot.addWidget(p)
    p.resize(1280, 760)
    return p


def _select(panel, layer: int, quantity: str, sequence: int = 1) -> None:
    panel.controls.layer.setCurrentIndex(layer)
    q = panel.controls.quantity.findData(quantity)
    assert q >= 0, quantity
    panel.controls.quantity.setCurrentIndex(q)
    panel.controls.sequence.setValue(sequence)
    panel.tabs.setCurrentIndex(TABS.index("Activations"))
    panel.render()


@pytest.mark.parametrize("name", list(MODELS))
def test_every_layer_and_quantity_reaches_the_heatmap(panel, name):
    snap = _snapshot(MODELS[name])
    panel.on_probe(_context())
    panel.on_probe(snap)
    assert panel.stack.currentIndex() == 1  # the views replaced the introduction
    assert panel.controls.layer.count() == len(snap.blocks)
    for index, view in enumerate(snap.blocks):
        for key, _label in QUANTITIES[view.kind]:
            _select(panel, index, key, sequence=2)
            expected = {"hidden": view.hidden, "cell_state": view.cell}.get(key)
            expected = view.gates[key] if expected is None else expected
            shown = panel.heatmap.image_values()
            assert shown.shape == (T, view.hidden.shape[-1])  # time × units
            np.testing.assert_allclose(shown, expected[1], rtol=1e-6)
            scale = panel.heatmap.scale
            if key in ("input", "forget", "output", "reset", "update"):
                assert (scale.lo, scale.hi) == (0.0, 1.0)  # sigmoid gates: sequential 0…1
            elif key in ("cell", "new") or (key == "hidden" and view.kind != "rnn"):
                assert (scale.lo, scale.hi) == (-1.0, 1.0)  # tanh values: diverging −1…1
            finite = shown[np.isfinite(shown)]
            assert scale.lo <= finite.min() and finite.max() <= scale.hi
    # input curves above the heatmap: one per feature, on the same time steps
    curves = panel.heatmap._curves
    assert len(curves) == F
    x, y = curves[0].getData()
    assert x.tolist() == list(range(1, T + 1))
    # the trajectory: one path of T points per probe sequence
    panel.tabs.setCurrentIndex(TABS.index("Trajectory"))
    for i in range(3):
        px, py = panel.trajectory.path_data(i)
        assert px.shape == (T,)
    assert "% of variance" in panel.trajectory.getPlotItem().getAxis("bottom").labelText


def test_padding_is_never_drawn_as_activity(panel):
    lengths = torch.tensor([T, 4, 6])
    snap = _snapshot([LSTMSpec(hidden_size=4, bidirectional=True)], lengths=lengths)
    panel.on_probe(_context())
    panel.on_probe(snap)
    for layer in range(2):  # forward and reverse
        for key in ("hidden", "cell_state", "forget", "cell"):
            _select(panel, layer, key, sequence=2)  # 4 valid steps of 9
            shown = panel.heatmap.image_values()
            assert np.isnan(shown[4:]).all() and np.isfinite(shown[:4]).all()
            image = panel.heatmap.image
            image.render()
            qimage = image.qimage
            assert qimage.width() == T and qimage.height() == 4
            for t in range(T):
                alpha = qimage.pixelColor(t, 1).alpha()
                # padded steps are transparent: the neutral background shows, never a colour
                assert (alpha == 0) == (t >= 4), (t, alpha)
    # the input curve stops where the sequence ends
    _, y = panel.heatmap._curves[0].getData()
    assert np.isnan(y[4:]).all() and np.isfinite(y[:4]).all()
    # trajectory paths end at each sequence's last valid step
    panel.tabs.setCurrentIndex(TABS.index("Trajectory"))
    _, py = panel.trajectory.path_data(1)
    assert np.isnan(py[4:]).all() and np.isfinite(py[:4]).all()
    ends = panel.trajectory.ends.getData()
    assert len(ends[0]) == 3


def test_histories_grow_and_gradient_flow_overlays_epochs(panel):
    layers = [LSTMSpec(hidden_size=4), GRUSpec(hidden_size=3)]
    panel.on_probe(_context())
    for step, epoch in ((3, 1), (6, 1), (9, 2), (12, 3)):
        panel.on_probe(_snapshot(layers, step=step, epoch=epoch, seed=step))
    counts = panel.gate_health.point_counts()
    assert counts == {
        f"{plot}:{layer}": 4
        for plot in ("saturated", "frozen", "memory")
        for layer in ("0.0.0", "1.0.0")
    }
    # mean forget gate (LSTM) and update gate (GRU) are real gate means
    curve = panel.gate_health.memory.curves["0.0.0"]
    assert 0.0 < curve.series.y.min() <= curve.series.y.max() < 1.0
    flow = panel.grad_flow
    assert flow.epochs == [1, 2, 3]  # the second epoch-1 measurement replaced the first
    keys = sorted(flow.dh.curves)
    assert keys == sorted(f"{e}|{n}" for e in (1, 2, 3) for n in ("LSTM 1.1", "GRU 2.1"))
    newest = flow.dh.curves["3|LSTM 1.1"]
    assert newest.series.x.tolist() == list(range(1, T + 1))
    assert (newest.series.y > 0).all()
    older = flow.dh.curves["1|LSTM 1.1"].item.opts["pen"].color().alpha()
    assert older < flow.dh.curves["2|LSTM 1.1"].item.opts["pen"].color().alpha() < 255
    assert sorted(flow.dx.curves) == sorted(
        f"{e}|block {b} input" for e in (1, 2, 3) for b in (1, 2)
    )
    assert flow.dh.getPlotItem().ctrl.logYCheck.isChecked()  # log y axis


def test_text_probe_colours_characters_by_the_chosen_unit(panel):
    vocab = ["<pad>", "<unk>", "a", "b", "\n", "<"]
    torch.manual_seed(0)
    model = build_model(
        ModelSpec(
            input=InputSpec(kind="tokens", vocab_size=len(vocab), embedding_dim=4),
            layers=[GRUSpec(hidden_size=5)],
            head=HeadSpec(kind="per_step", output_size=len(vocab)),
        )
    )
    x = torch.tensor([[2, 3, 4, 5, 2, 3], [3, 2, 5, 0, 0, 0]])
    lengths = torch.tensor([6, 3])
    snap = Probe(x, None, lengths, task="language_model").snapshot(model, step=1)
    panel.on_probe(_context(task="language_model", vocab=vocab))
    panel.on_probe(snap)
    assert panel.controls.unit.isVisibleTo(panel) and panel.controls.unit.maximum() == 4
    # the text starts coloured by the unit that varies most over the first sequence
    spread = np.nanstd(snap.blocks[0].hidden[0], axis=0)
    assert panel.controls.unit.value() == int(np.argmax(spread))
    panel.controls.unit.setValue(3)
    _select(panel, 0, "hidden", sequence=2)
    view = panel.text_view
    assert view.tokens == ["b", "a", "<"]  # padding is not shown as text
    np.testing.assert_allclose(view.values, snap.blocks[0].hidden[1, :3, 3], rtol=1e-6)
    html = view.toHtml()
    assert "&lt;" in html and html.count("background-color") >= 3
    assert not panel.heatmap.input_plot.isVisible()  # token ids are not a curve
    assert panel.heatmap.unit_line.value() == 3
    panel.heatmap.unit_clicked.emit(1)  # a click on a heatmap row picks the unit
    assert panel.controls.unit.value() == 1


def test_new_run_and_probe_options(panel):
    panel.on_probe(_snapshot([RNNSpec(hidden_size=3)]))
    assert panel.stack.currentIndex() == 1
    panel.controls.count.setValue(7)
    panel.controls.split.setCurrentIndex(panel.controls.split.findData("train"))
    assert (panel.hook.options.n, panel.hook.options.split) == (7, "train")
    panel.controls.enabled.setChecked(False)
    assert not panel.hook.options.enabled
    panel.on_run_state("running")  # a new run: back to the explanation, histories cleared
    assert panel.stack.currentIndex() == 0 and panel.snapshot is None
    assert "Inspection is off" in panel.intro.text()
    assert panel.gate_health.point_counts() == {}
