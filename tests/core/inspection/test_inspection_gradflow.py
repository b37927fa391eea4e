"""Gradient flow through time: the unrolled reference path is exact, and gives the *total* gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.core.inspection.gradflow import (
    gradient_flow,
    per_step_targets,
    task_loss,
    unrolled_forward,
)
from workbench.core.models import build_model
from workbench.core.spec.layers import GRUSpec, LayerNormSpec, LSTMSpec, RNNSpec
from workbench.core.spec.project import HeadSpec, InputSpec, ModelSpec

CASES = {
    "rnn": [RNNSpec(hidden_size=5)],
    "lstm-proj-bi-2": [LSTMSpec(hidden_size=6, proj_size=3, num_layers=2, bidirectional=True)],
    "gru-bi": [GRUSpec(hidden_size=4, bidirectional=True)],
    "stack": [
        RNNSpec(hidden_size=4, nonlinearity="relu"),
        LayerNormSpec(),
        LSTMSpec(hidden_size=3),
    ],
}


def _model(layers, head=None, n_features=3):
    torch.manual_seed(5)
    spec = ModelSpec(
        input=InputSpec(n_features=n_features), layers=layers, head=head or HeadSpec(output_size=2)
    )
    return build_model(spec).double()


@pytest.mark.parametrize("variable", [False, True], ids=["full", "varlen"])
@pytest.mark.parametrize("case", list(CASES))
def test_unrolled_path_matches_fused_model(case, variable):
    model = _model(CASES[case], HeadSpec(output_size=2, pooling="mean"))
    x = torch.randn(3, 7, 3, dtype=torch.float64)
    lengths = torch.tensor([7, 3, 5]) if variable else None
    y = torch.randn(3, 2, dtype=torch.float64)
    loss_fn = task_loss("regression")
    # Outputs agree …
    with torch.no_grad():
        fused, _ = model(x, lengths)
        unrolled, nodes = unrolled_forward(model, x, lengths)
    assert torch.allclose(fused, unrolled, atol=1e-10)
    # … and so do the input gradients through both paths (checks the whole backward graph).
    grads = []
    for path in (lambda v: model(v, lengths)[0], lambda v: unrolled_forward(model, v, lengths)[0]):
        v = x.clone().requires_grad_(True)
        grads.append(torch.autograd.grad(loss_fn(path(v), y), v)[0])
    assert torch.allclose(grads[0], grads[1], atol=1e-10)
    flow = gradient_flow(model, x, y, loss_fn, lengths)
    first = min(flow.dx)
    np.testing.assert_allclose(flow.dx[first], grads[0].norm(dim=-1).norm(dim=0).numpy(), rtol=1e-8)
    assert len(flow.layers) == len(nodes)
    for layer in flow.layers:
        assert layer.dh.shape == (7,)
        assert np.isfinite(layer.dh).all()  # some probe sequence is valid at every step
        if variable:  # the padded steps of sequence 1 (length 3) never show up
            assert np.isnan(layer.dh_per_sequence[1, 3:]).all()
            assert np.isfinite(layer.dh_per_sequence[1, :3]).all()


def test_total_gradient_includes_the_recurrence():
    """With 'last' pooling the head reads only h_T, yet dL/dh_t is non-zero for every t."""
    model = _model([RNNSpec(hidden_size=5)], HeadSpec(output_size=1, pooling="last"))
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    y = torch.randn(2, 1, dtype=torch.float64)
    loss_fn = task_loss("regression")
    for p in model.parameters():
        p.grad = None
    flow = gradient_flow(model, x, y, loss_fn)
    (layer,) = flow.layers
    assert (layer.dh > 0).all()
    # The direct gradient of the fused output is zero before T and equals the total at T.
    x_in = x.clone()
    out = model.blocks[0].rnn(x_in)[0].detach().requires_grad_(True)
    loss = loss_fn(model.head(out[:, -1]), y)
    direct = torch.autograd.grad(loss, out)[0].norm(dim=-1).norm(dim=0).numpy()
    assert (direct[:-1] == 0).all()
    assert direct[-1] == pytest.approx(layer.dh[-1], rel=1e-9)
    assert all(p.grad is None for p in model.parameters()), "probe must not touch .grad"
    assert layer.ratio_first_last() == pytest.approx(layer.dh[0] / layer.dh[-1])


def test_reverse_direction_ratio_reads_backwards():
    model = _model(
        [GRUSpec(hidden_size=4, bidirectional=True)], HeadSpec(output_size=1, pooling="mean")
    )
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    flow = gradient_flow(model, x, torch.randn(2, 1, dtype=torch.float64), task_loss("regression"))
    fwd, rev = flow.layers
    assert rev.direction == 1
    assert rev.ratio_first_last() == pytest.approx(rev.dh[-1] / rev.dh[0])


def test_tagging_and_language_model_losses():
    torch.manual_seed(0)
    spec = ModelSpec(
        input=InputSpec(kind="tokens", vocab_size=9, embedding_dim=4),
        layers=[LSTMSpec(hidden_size=5)],
        head=HeadSpec(kind="per_step", output_size=9),
    )
    model = build_model(spec)
    x = torch.randint(0, 9, (2, 8))
    flow = gradient_flow(model, x, torch.randint(0, 9, (2, 8)), task_loss("language_model"))
    assert flow.layers[0].dh.shape == (8,) and flow.loss > 0
    assert set(flow.dx) == {0}
    # Tagging with a per-step mask: steps without a target still get gradient through h_{t+1}.
    tag = _model([GRUSpec(hidden_size=4)], HeadSpec(kind="per_step", output_size=3))
    xs = torch.randn(2, 5, 3, dtype=torch.float64)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    lengths = torch.tensor([3, 5])
    y = per_step_targets(torch.randint(0, 3, (2, 5)), mask, lengths)
    assert (y[0, 3:] == -100).all()
    flow = gradient_flow(tag, xs, y, task_loss("tagging"), lengths)
    assert np.isnan(flow.layers[0].dh_per_sequence[0, 3:]).all()
    assert np.isfinite(flow.layers[0].dh).all()


def test_float64_shows_gradients_below_float32_range():
    torch.manual_seed(0)
    spec = ModelSpec(
        input=InputSpec(n_features=3), layers=[RNNSpec(hidden_size=6)], head=HeadSpec(output_size=1)
    )
    model = build_model(spec)  # float32, as trained
    with torch.no_grad():
        model.blocks[0].rnn.weight_hh_l0.mul_(0.05)  # each step shrinks the gradient ~20x
    x, y = torch.randn(2, 50, 3), torch.randn(2, 1)
    wide = gradient_flow(model, x, y, task_loss("regression")).layers[0]
    narrow = gradient_flow(model, x, y, task_loss("regression"), float64=False).layers[0]
    assert narrow.dh[0] == 0.0  # underflowed in float32
    assert 0.0 < wide.dh[0] < 1e-40
    assert wide.dh[-1] == pytest.approx(narrow.dh[-1], rel=1e-5)
    assert next(model.parameters()).dtype == torch.float32  # the model itself is untouched
