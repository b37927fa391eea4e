"""The plain model with its recurrent layers written as a ``scan`` over time, for
``torch.export`` (the ``pt2`` export format).

Why: ``torch.export`` specializes the time dimension of ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN``
(their decomposition unrolls the loop over steps: "You marked time as dynamic but your code
specialized it to be a constant", torch 2.13), so an exported program would accept one sequence
length only. The same equations as a ``scan`` (a higher-order op that export keeps as a loop)
export with dynamic batch *and* time. The layers read the ``nn.RNN*`` modules' own
parameters, so the weights are the plain model's; results match it to ~1e-7 (the gate sums
are added in another order).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from workbench.core.serving.plain_model import SequenceNet


def _scan():
    from torch._higher_order_ops.scan import scan  # public as torch.scan in later releases

    return scan


class ScanRecurrent(nn.Module):
    """``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (batch first, one direction, any number of
    layers, LSTM projections) as a scan over time; zero initial state; same outputs."""

    def __init__(self, rnn: nn.RNNBase) -> None:
        super().__init__()
        self.rnn = rnn  # parameters are read from it: one set of weights
        self.kind = {"LSTM": "lstm", "GRU": "gru"}.get(rnn.mode, "rnn")
        self.relu = rnn.mode == "RNN_RELU"

    def _weights(self, layer: int) -> tuple:
        r = self.rnn
        get = lambda name: getattr(r, f"{name}_l{layer}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")

    def forward(self, x: torch.Tensor, state=None):
        scan = _scan()
        for layer in range(self.rnn.num_layers):
            w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer)
            inputs = x.transpose(0, 1) @ w_ih.T  # [T, B, gates]
            if b_ih is not None:
                inputs = inputs + b_ih
            batch = x.shape[0]
            out_size = w_hh.shape[1]
            h0 = x.new_zeros(batch, out_size)
            if self.kind == "lstm":
                c0 = x.new_zeros(batch, self.rnn.hidden_size)
                step = _lstm_step(w_hh, b_hh, w_hr)
                _, ys = scan(step, (h0, c0), inputs)
            elif self.kind == "gru":
                _, ys = scan(_gru_step(w_hh, b_hh), (h0,), inputs)
            else:
                _, ys = scan(_rnn_step(w_hh, b_hh, self.relu), (h0,), inputs)
            x = ys.transpose(0, 1)
        return x, None


def _lstm_step(w_hh, b_hh, w_hr):
    def step(carry, xt):
        h, c = carry
        gates = xt + h @ w_hh.T
        if b_hh is not None:
            gates = gates + b_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        if w_hr is not None:
            h = h @ w_hr.T
        return (h, c), h.clone()

    return step


def _gru_step(w_hh, b_hh):
    def step(carry, xt):
        (h,) = carry
        hidden = h @ w_hh.T
        if b_hh is not None:
            hidden = hidden + b_hh
        xr, xz, xn = xt.chunk(3, dim=1)
        hr, hz, hn = hidden.chunk(3, dim=1)
        r = torch.sigmoid(xr + hr)
        z = torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        h = (1 - z) * n + z * h
        return (h,), h.clone()

    return step


def _rnn_step(w_hh, b_hh, relu: bool):
    def step(carry, xt):
        (h,) = carry
        pre = xt + h @ w_hh.T
        if b_hh is not None:
            pre = pre + b_hh
        h = torch.relu(pre) if relu else torch.tanh(pre)
        return (h,), h.clone()

    return step


def scanned(net: SequenceNet) -> SequenceNet:
    """A copy of ``net`` whose recurrent layers are ``ScanRecurrent``s (same parameters)."""
    out = copy.deepcopy(net)
    for module in list(out.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.RNNBase):
                setattr(module, name, ScanRecurrent(child))
    return out
