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
from collections.abc import Callable, Iterable
from typing import Any, cast

import torch
from torch import nn

from workbench.core.serving.plain_model import Bidirectional, SequenceNet, reverse_within_length

#: The recurrent state of one layer: ``(h,)``, or ``(h, c)`` for an LSTM.
State = tuple[torch.Tensor, ...]
#: ``step(state, xt)`` → ``(state, output)`` for one time step.
Step = Callable[[State, torch.Tensor], tuple[State, torch.Tensor]]


def _scan() -> Callable[..., Any]:
    from torch._higher_order_ops.scan import scan  # public as torch.scan in later releases

    return scan


def _cell(rnn: nn.RNNBase, layer: int) -> tuple[torch.Tensor, torch.Tensor | None, Step]:
    """(input weights, input bias, zero state, step) of one layer: ``step(state, xt)`` with
    ``xt`` the input already multiplied by the input weights returns (state, output)."""

    def get(name: str) -> torch.Tensor | None:
        return getattr(rnn, f"{name}_l{layer}", None)

    w_ih, w_hh, b_ih, b_hh, w_hr = (
        get("weight_ih"),
        get("weight_hh"),
        get("bias_ih"),
        get("bias_hh"),
        get("weight_hr"),
    )
    if w_ih is None or w_hh is None:
        raise ValueError(f"{type(rnn).__name__} has no layer {layer}")
    if rnn.mode == "LSTM":
        step = _lstm_step(w_hh, b_hh, w_hr)
    elif rnn.mode == "GRU":
        step = _gru_step(w_hh, b_hh)
    else:
        step = _rnn_step(w_hh, b_hh, rnn.mode == "RNN_RELU")
    return w_ih, b_ih, step


def _zero_state(rnn: nn.RNNBase, x: torch.Tensor) -> State:
    out = rnn.proj_size if getattr(rnn, "proj_size", 0) else rnn.hidden_size
    h = x.new_zeros(x.shape[0], out)
    return (h, x.new_zeros(x.shape[0], rnn.hidden_size)) if rnn.mode == "LSTM" else (h,)


def _inputs(x: torch.Tensor, w_ih: torch.Tensor, b_ih: torch.Tensor | None) -> torch.Tensor:
    """``[B, T, F]`` → time-major input projections ``[T, B, gates]``."""
    out = x.transpose(0, 1) @ w_ih.T
    return out if b_ih is None else out + b_ih


class ScanRecurrent(nn.Module):
    """``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (batch first, one direction, any number of
    layers, LSTM projections) as a scan over time; zero initial state; same outputs."""

    def __init__(self, rnn: nn.RNNBase) -> None:
        super().__init__()
        self.rnn = rnn  # parameters are read from it: one set of weights

    def forward(self, x: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, None]:
        scan = _scan()
        for layer in range(self.rnn.num_layers):
            w_ih, b_ih, step = _cell(self.rnn, layer)
            _, ys = scan(step, _zero_state(self.rnn, x), _inputs(x, w_ih, b_ih))
            x = ys.transpose(0, 1)
        return x, None


class ScanBidirectional(nn.Module):
    """The plain model's ``Bidirectional`` block with both directions of a layer in ONE scan
    (each scan costs ``torch.export`` seconds to trace)."""

    def __init__(self, block: Bidirectional) -> None:
        super().__init__()
        self.fwd, self.bwd = block.fwd, block.bwd

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor, state: Any = None
    ) -> tuple[torch.Tensor, None]:
        scan = _scan()
        # typing only: both lists hold one-layer nn.RNN / nn.LSTM / nn.GRU modules
        directions = cast("Iterable[tuple[nn.RNNBase, nn.RNNBase]]", zip(self.fwd, self.bwd))
        for fwd, bwd in directions:
            w_f, b_f, step_f = _cell(fwd, 0)
            w_b, b_b, step_b = _cell(bwd, 0)
            ahead = _inputs(x, w_f, b_f)
            back = _inputs(reverse_within_length(x, lengths), w_b, b_b)
            zero_f, zero_b = _zero_state(fwd, x), _zero_state(bwd, x)
            k, split = len(zero_f), ahead.shape[2]

            def step(
                carry: State,
                xt: torch.Tensor,
                step_f: Step = step_f,
                step_b: Step = step_b,
                k: int = k,
                split: int = split,
            ) -> tuple[State, torch.Tensor]:
                sf, hf = step_f(carry[:k], xt[:, :split])
                sb, hb = step_b(carry[k:], xt[:, split:])
                return (*sf, *sb), torch.cat([hf, hb], dim=1)

            _, ys = scan(step, (*zero_f, *zero_b), torch.cat([ahead, back], dim=2))
            ys = ys.transpose(0, 1)
            width = ys.shape[2] // 2
            x = torch.cat(
                [ys[:, :, :width], reverse_within_length(ys[:, :, width:], lengths)], dim=2
            )
        return x, None


def _lstm_step(w_hh: torch.Tensor, b_hh: torch.Tensor | None, w_hr: torch.Tensor | None) -> Step:
    def step(carry: State, xt: torch.Tensor) -> tuple[State, torch.Tensor]:
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


def _gru_step(w_hh: torch.Tensor, b_hh: torch.Tensor | None) -> Step:
    def step(carry: State, xt: torch.Tensor) -> tuple[State, torch.Tensor]:
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


def _rnn_step(w_hh: torch.Tensor, b_hh: torch.Tensor | None, relu: bool) -> Step:
    def step(carry: State, xt: torch.Tensor) -> tuple[State, torch.Tensor]:
        (h,) = carry
        pre = xt + h @ w_hh.T
        if b_hh is not None:
            pre = pre + b_hh
        h = torch.relu(pre) if relu else torch.tanh(pre)
        return (h,), h.clone()

    return step


def scanned(net: SequenceNet) -> SequenceNet:
    """A copy of ``net`` whose recurrent layers are scans (same parameters)."""
    out = copy.deepcopy(net)
    for module in list(out.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, Bidirectional):
                setattr(module, name, ScanBidirectional(child))
    inside = {id(m) for b in out.modules() if isinstance(b, ScanBidirectional) for m in b.modules()}
    for module in list(out.modules()):
        if id(module) in inside:
            continue  # a bidirectional block's directions run in its own scan
        for name, child in list(module.named_children()):
            if isinstance(child, nn.RNNBase):
                setattr(module, name, ScanRecurrent(child))
    return out
