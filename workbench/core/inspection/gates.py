"""Recompute hidden states, LSTM cell states and gates from a fused recurrent layer.

Training keeps PyTorch's fused ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` kernels, which never expose
their gates. For a small probe batch we recompute them from the layer's own weights and its
output sequence: ``h_{t-1}`` is read from the fused output (shifted by one step; ``h_{t+1}`` for
the reverse direction), so the gate pre-activations of every step are one batched matmul, split
in PyTorch's documented order (LSTM ``i, f, g, o``; GRU ``r, z, n``). Only the LSTM cell state
needs a loop over time, and that loop is elementwise (``c_t = f_t * c_{t-1} + i_t * g_t``).

Multi-layer blocks are re-run one layer at a time with a single-layer fused module holding that
layer's weights, so layer ``l`` sees exactly the output of layer ``l-1``. Padded steps of
variable-length probes are NaN in every returned array, so padding never shows up as activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from workbench.core.models.builder import SequenceModel, valid_mask
from workbench.core.models.layers import RecurrentBlock

#: Gate names in PyTorch's weight order, per block kind.
GATE_NAMES: dict[str, tuple[str, ...]] = {
    "lstm": ("input", "forget", "cell", "output"),
    "gru": ("reset", "update", "new"),
    "rnn": ("preactivation",),
}
#: Gates whose values lie in [-1, 1] (tanh) rather than [0, 1] (sigmoid).
TANH_GATES = frozenset({"cell", "new"})


@dataclass
class LayerTrace:
    """What one direction of one layer of a recurrent block did on the probe (tensors, ``[B, T, ·]``)."""

    block: int  # index in ``model.blocks``
    kind: str  # "rnn" | "lstm" | "gru"
    layer: int  # stacked layer inside the block
    direction: int  # 0 forward, 1 reverse
    hidden: torch.Tensor  # h_t as the fused kernel computed it
    gates: dict[str, torch.Tensor] = field(default_factory=dict)
    cell: torch.Tensor | None = None  # LSTM c_t
    nonlinearity: str = "tanh"  # RNN only

    @property
    def name(self) -> str:
        arrow = "←" if self.direction else "→"
        return f"block {self.block} · layer {self.layer} {arrow}"


def layer_weights(rnn: nn.RNNBase, layer: int, direction: int) -> dict[str, torch.Tensor | None]:
    """The fused module's parameters for one layer and direction (``w_ih, w_hh, b_ih, b_hh, w_hr``)."""
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    return {
        "w_ih": getattr(rnn, "weight_ih" + suffix),
        "w_hh": getattr(rnn, "weight_hh" + suffix),
        "b_ih": getattr(rnn, "bias_ih" + suffix, None),
        "b_hh": getattr(rnn, "bias_hh" + suffix, None),
        "w_hr": getattr(rnn, "weight_hr" + suffix, None),
    }


def single_layer(rnn: nn.RNNBase, layer: int) -> nn.RNNBase:
    """A one-layer fused module (same kind, directions, dtype, device) holding layer ``layer``'s weights."""
    kwargs = {
        "input_size": _layer_input_size(rnn, layer),
        "hidden_size": rnn.hidden_size,
        "num_layers": 1,
        "bias": rnn.bias,
        "batch_first": True,
        "bidirectional": rnn.bidirectional,
    }
    # Built on the meta device: no weight init, so the probe never draws from the training RNG.
    if isinstance(rnn, nn.LSTM):
        one = nn.LSTM(proj_size=rnn.proj_size, device="meta", **kwargs)
    elif isinstance(rnn, nn.GRU):
        one = nn.GRU(device="meta", **kwargs)
    else:
        one = nn.RNN(nonlinearity=rnn.nonlinearity, device="meta", **kwargs)
    ref = rnn.weight_ih_l0
    one = one.to_empty(device=ref.device).to(dtype=ref.dtype)
    with torch.no_grad():
        for name, param in one.named_parameters():
            param.copy_(getattr(rnn, name.replace("_l0", f"_l{layer}")))
    return one


def _layer_input_size(rnn: nn.RNNBase, layer: int) -> int:
    if layer == 0:
        return rnn.input_size
    out = rnn.proj_size if getattr(rnn, "proj_size", 0) else rnn.hidden_size
    return out * (2 if rnn.bidirectional else 1)


def run_layer(one: nn.RNNBase, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Output ``[B, T, D*H]`` of a one-layer fused module, packed like ``RecurrentBlock`` does."""
    if lengths is not None and one.bidirectional:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = one(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out
    return one(x)[0]


def previous_hidden(
    out: torch.Tensor, direction: int, lengths: torch.Tensor | None
) -> torch.Tensor:
    """``h`` fed into each step: ``h_{t-1}`` (forward) or ``h_{t+1}`` (reverse), zeros at the start."""
    zeros = out.new_zeros(out[:, :1].shape)
    if direction == 0:
        return torch.cat([zeros, out[:, :-1]], dim=1)
    shifted = torch.cat([out[:, 1:], zeros], dim=1)
    if lengths is not None:
        # The reverse direction starts at each sequence's last valid step with h = 0.
        nxt = valid_mask(lengths, out.shape[1] + 1, out.device)[:, 1:]
        shifted = shifted * nxt.unsqueeze(-1).to(out.dtype)
    return shifted


def lstm_cell_states(
    i: torch.Tensor, f: torch.Tensor, g: torch.Tensor, direction: int, lengths: torch.Tensor | None
) -> torch.Tensor:
    """``c_t = f_t * c_{t-1} + i_t * g_t`` over time (elementwise only), starting from zero."""
    steps = i.shape[1]
    cells = i * g  # i_t * g_t, overwritten in place with c_t
    order = range(steps) if direction == 0 else range(steps - 1, -1, -1)
    valid = None if lengths is None or direction == 0 else valid_mask(lengths, steps, i.device)
    prev = None
    for t in order:
        c = cells[:, t]
        if prev is not None:
            c.addcmul_(f[:, t], prev)  # one fused op per step
        if valid is not None:  # reverse: padded steps keep c = 0 until the last valid step
            c.mul_(valid[:, t, None])
        prev = c
    return cells


def recompute_direction(
    rnn: nn.RNNBase,
    kind: str,
    layer: int,
    direction: int,
    x: torch.Tensor,
    out: torch.Tensor,
    lengths: torch.Tensor | None,
) -> tuple[dict[str, torch.Tensor], torch.Tensor | None]:
    """Gates (and LSTM cell state) of one direction, from its input ``x`` and fused output ``out``."""
    w = layer_weights(rnn, layer, direction)
    h_prev = previous_hidden(out, direction, lengths)
    gi = F.linear(x, w["w_ih"], w["b_ih"])  # all steps at once
    gh = F.linear(h_prev, w["w_hh"], w["b_hh"])
    if kind == "lstm":
        i, f, g, o = (gi + gh).chunk(4, dim=-1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        cell = lstm_cell_states(i, f, g, direction, lengths)
        return {"input": i, "forget": f, "cell": g, "output": o}, cell
    if kind == "gru":
        ir, iz, in_ = gi.chunk(3, dim=-1)
        hr, hz, hn = gh.chunk(3, dim=-1)
        r = (ir + hr).sigmoid()
        z = (iz + hz).sigmoid()
        n = (in_ + r * hn).tanh()  # r gates the recurrent term *after* its bias (PyTorch's GRU)
        return {"reset": r, "update": z, "new": n}, None
    return {"preactivation": gi + gh}, None


def hidden_from_gates(
    trace: LayerTrace, rnn: nn.RNNBase, lengths: torch.Tensor | None
) -> torch.Tensor:
    """``h_t`` rebuilt from the recomputed gates (a consistency check of the recomputation)."""
    if trace.kind == "lstm":
        assert trace.cell is not None  # an LSTM trace holds its cell states
        h = trace.gates["output"] * trace.cell.tanh()
        w_hr = layer_weights(rnn, trace.layer, trace.direction)["w_hr"]
        return h if w_hr is None else F.linear(h, w_hr)
    if trace.kind == "gru":
        h_prev = previous_hidden(trace.hidden.nan_to_num(0.0), trace.direction, lengths)
        z = trace.gates["update"]
        return (1 - z) * trace.gates["new"] + z * h_prev
    pre = trace.gates["preactivation"]
    return pre.tanh() if trace.nonlinearity == "tanh" else pre.relu()


def mask_padding(t: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """NaN on padded steps so plots and statistics never read padding as activity."""
    if lengths is None:
        return t
    valid = valid_mask(lengths, t.shape[1], t.device).unsqueeze(-1)
    return t.masked_fill(~valid, float("nan"))


def trace_block(
    block: RecurrentBlock, block_index: int, x: torch.Tensor, lengths: torch.Tensor | None
) -> tuple[list[LayerTrace], torch.Tensor]:
    """Traces of every layer and direction of ``block`` on input ``x``, and the block's output."""
    rnn = block.rnn
    kind = block.kind
    dirs = 2 if rnn.bidirectional else 1
    traces: list[LayerTrace] = []
    for layer in range(rnn.num_layers):
        one = single_layer(rnn, layer)
        out = run_layer(one, x, lengths)
        width = out.shape[-1] // dirs
        for d in range(dirs):
            out_d = out[..., d * width : (d + 1) * width]
            gates, cell = recompute_direction(rnn, kind, layer, d, x, out_d, lengths)
            traces.append(
                LayerTrace(
                    block=block_index,
                    kind=kind,
                    layer=layer,
                    direction=d,
                    hidden=mask_padding(out_d, lengths),
                    gates={k: mask_padding(v, lengths) for k, v in gates.items()},
                    cell=None if cell is None else mask_padding(cell, lengths),
                    nonlinearity=getattr(rnn, "nonlinearity", "tanh"),
                )
            )
        x = out
    return traces, x


def trace_model(
    model: SequenceModel, x: torch.Tensor, lengths: torch.Tensor | None = None
) -> list[LayerTrace]:
    """Traces of every recurrent block of ``model`` on the probe ``x`` (eval mode, no grad)."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            h = model.embedding(x) if model.embedding is not None else x
            traces: list[LayerTrace] = []
            for i, block in enumerate(model.blocks):
                if isinstance(block, RecurrentBlock):
                    found, h = trace_block(block, i, h, lengths)
                    traces += found
                else:
                    h, _ = block(h, lengths, None)
            return traces
    finally:
        model.train(was_training)
