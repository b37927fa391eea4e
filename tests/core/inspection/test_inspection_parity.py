"""Recomputed gates / cell states match an unrolled nn.LSTMCell / GRUCell / RNNCell reference."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from workbench.core.inspection.gates import hidden_from_gates, trace_model
from workbench.core.models import build_model
from workbench.core.spec.layers import GRUSpec, LayerNormSpec, LSTMSpec, RNNSpec
from workbench.core.spec.project import HeadSpec, InputSpec, ModelSpec

TOL = 1e-5


def _cell_reference(rnn: nn.RNNBase, kind: str, layer: int, direction: int):
    """A cell loaded with the fused layer's weights (LSTM proj handled by hand, LSTMCell lacks it)."""
    sfx = f"_l{layer}" + ("_reverse" if direction else "")
    w_ih = getattr(rnn, "weight_ih" + sfx)
    size = w_ih.shape[1]
    cls = {"lstm": nn.LSTMCell, "gru": nn.GRUCell}.get(kind)
    if cls is None:
        cell = nn.RNNCell(size, rnn.hidden_size, nonlinearity=rnn.nonlinearity)
    elif kind == "lstm":
        cell = nn.LSTMCell(size, rnn.hidden_size)
    else:
        cell = cls(size, rnn.hidden_size)
    cell = cell.double()
    with torch.no_grad():
        cell.weight_ih.copy_(w_ih)
        cell.bias_ih.copy_(getattr(rnn, "bias_ih" + sfx))
        cell.bias_hh.copy_(getattr(rnn, "bias_hh" + sfx))
        w_hh = getattr(rnn, "weight_hh" + sfx)
        w_hr = getattr(rnn, "weight_hr" + sfx, None)
        if w_hr is not None:  # LSTMCell sees the unprojected h; fold W_hr into W_hh
            w_hh = w_hh @ w_hr
        cell.weight_hh.copy_(w_hh)
    return cell, w_hr


def _reference_direction(rnn, kind, layer, direction, x, lengths):
    """Unrolled cell, step by step; returns hidden (projected), cell and gates, each [B, T, ·]."""
    cell, w_hr = _cell_reference(rnn, kind, layer, direction)
    b, steps, _ = x.shape
    hs, cs, gates = [], [], []
    h = torch.zeros(b, rnn.hidden_size, dtype=x.dtype)  # unprojected h for LSTM
    c = torch.zeros_like(h)
    order = range(steps) if direction == 0 else range(steps - 1, -1, -1)
    out_h = [None] * steps
    out_c = [None] * steps
    out_g = [None] * steps
    for t in order:
        xt = x[:, t]
        if kind == "lstm":
            pre = xt @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh
            i, f, g, o = pre.chunk(4, dim=-1)
            g_all = {
                "input": i.sigmoid(),
                "forget": f.sigmoid(),
                "cell": g.tanh(),
                "output": o.sigmoid(),
            }
            h_new, c_new = cell(xt, (h, c))
        elif kind == "gru":
            gi = xt @ cell.weight_ih.T + cell.bias_ih
            gh = h @ cell.weight_hh.T + cell.bias_hh
            r = (gi[:, : rnn.hidden_size] + gh[:, : rnn.hidden_size]).sigmoid()
            z = (
                gi[:, rnn.hidden_size : 2 * rnn.hidden_size]
                + gh[:, rnn.hidden_size : 2 * rnn.hidden_size]
            ).sigmoid()
            n = (gi[:, 2 * rnn.hidden_size :] + r * gh[:, 2 * rnn.hidden_size :]).tanh()
            g_all = {"reset": r, "update": z, "new": n}
            h_new, c_new = cell(xt, h), c
        else:
            pre = xt @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh
            g_all = {"preactivation": pre}
            h_new, c_new = cell(xt, h), c
        if lengths is not None and direction == 1:
            # Reverse direction: padded steps are skipped (state stays zero until the last valid step).
            keep = (t < lengths)[:, None].to(x.dtype)
            h_new, c_new = h_new * keep, c_new * keep
        h, c = h_new, c_new
        out_h[t] = h if w_hr is None else h @ w_hr.T
        out_c[t] = c
        out_g[t] = g_all
    hs = torch.stack(out_h, 1)
    cs = torch.stack(out_c, 1)
    gates = {k: torch.stack([g[k] for g in out_g], 1) for k in out_g[0]}
    return hs, cs, gates


def _reference_model(model, x, lengths):
    """Reference traces for every recurrent block / layer / direction, keyed like the traces."""
    found = {}
    h = x
    with torch.no_grad():
        for bi, block in enumerate(model.blocks):
            if not hasattr(block, "rnn"):
                h, _ = block(h, lengths, None)
                continue
            rnn = block.rnn
            dirs = 2 if rnn.bidirectional else 1
            for layer in range(rnn.num_layers):
                outs = []
                for d in range(dirs):
                    hs, cs, gates = _reference_direction(rnn, block.kind, layer, d, h, lengths)
                    found[(bi, layer, d)] = (hs, cs, gates)
                    outs.append(hs)
                h = torch.cat(outs, dim=-1)
    return found


def _assert_close_valid(a, b, lengths, what):
    if lengths is not None:
        valid = torch.arange(a.shape[1])[None, :] < lengths[:, None]
        assert torch.isnan(a[~valid]).all(), f"{what}: padded steps must be NaN"
        a, b = a[valid], b[valid]
    err = (a - b).abs().max().item()
    assert err <= TOL, f"{what}: max error {err:.3g}"


CASES = {
    "rnn-tanh": [RNNSpec(hidden_size=5)],
    "rnn-relu-2layers": [RNNSpec(hidden_size=4, num_layers=2, nonlinearity="relu")],
    "lstm": [LSTMSpec(hidden_size=5)],
    "lstm-bi-2layers": [LSTMSpec(hidden_size=4, num_layers=2, bidirectional=True)],
    "lstm-proj-bi": [LSTMSpec(hidden_size=6, proj_size=3, num_layers=2, bidirectional=True)],
    "gru": [GRUSpec(hidden_size=5)],
    "gru-bi-3layers": [GRUSpec(hidden_size=4, num_layers=3, bidirectional=True)],
    "stack-mixed": [
        GRUSpec(hidden_size=4, bidirectional=True),
        LayerNormSpec(),
        RNNSpec(hidden_size=3),
        LSTMSpec(hidden_size=4),
    ],
}


@pytest.mark.parametrize("variable", [False, True], ids=["full", "varlen"])
@pytest.mark.parametrize("case", list(CASES))
def test_recomputed_gates_match_unrolled_cells(case, variable):
    torch.manual_seed(3)
    spec = ModelSpec(
        input=InputSpec(n_features=3), layers=CASES[case], head=HeadSpec(output_size=2)
    )
    model = build_model(spec).double()
    x = torch.randn(4, 9, 3, dtype=torch.float64)
    lengths = torch.tensor([9, 4, 7, 1]) if variable else None
    traces = trace_model(model, x, lengths)
    ref = _reference_model(model, x, lengths)
    assert {(t.block, t.layer, t.direction) for t in traces} == set(ref)
    for tr in traces:
        hs, cs, gates = ref[(tr.block, tr.layer, tr.direction)]
        what = f"{case} {tr.name}"
        _assert_close_valid(tr.hidden, hs, lengths, what + " hidden")
        assert set(tr.gates) == set(gates)
        for name, g in gates.items():
            _assert_close_valid(tr.gates[name], g, lengths, f"{what} gate {name}")
        if tr.kind == "lstm":
            _assert_close_valid(tr.cell, cs, lengths, what + " cell")
        rnn = model.blocks[tr.block].rnn
        _assert_close_valid(
            hidden_from_gates(tr, rnn, lengths), hs, lengths, what + " h from gates"
        )


def test_trace_leaves_rng_and_mode_alone():
    spec = ModelSpec(
        input=InputSpec(n_features=2),
        layers=[LSTMSpec(hidden_size=4, num_layers=2)],
        head=HeadSpec(output_size=1),
    )
    model = build_model(spec)
    model.train()
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    trace_model(model, torch.randn(2, 5, 2, generator=torch.Generator().manual_seed(1)))
    assert torch.equal(torch.rand(3), expected)
    assert model.training


def test_token_input_traces_after_embedding():
    spec = ModelSpec(
        input=InputSpec(kind="tokens", vocab_size=11, embedding_dim=4),
        layers=[GRUSpec(hidden_size=3)],
        head=HeadSpec(kind="per_step", output_size=11),
    )
    model = build_model(spec)
    x = torch.randint(0, 11, (2, 6))
    (trace,) = trace_model(model, x)
    with torch.no_grad():
        expected = model.body(x)[0]
    assert torch.allclose(trace.hidden, expected, atol=1e-6)
    assert trace.gates["update"].shape == (2, 6, 3)
