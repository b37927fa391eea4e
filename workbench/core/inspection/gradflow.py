"""Gradient flow through time: ``||dL/dh_t||`` per recurrent layer, on a small probe batch.

The gradient of a fused layer's output tensor is only the *direct* part of ``dL/dh_t`` (what the
head reads at step t). The total gradient, which also flows back through ``h_{t+1}, h_{t+2}, …``,
needs every ``h_t`` as its own node in the graph, so we unroll the probe through cell steps built
from the fused layer's weights (cheap for a few sequences). ``||dL/dx_t||`` at each recurrent
block's input, through the fused kernels, is the cheap companion.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from workbench.core.inspection.events import GradFlow, LayerGradFlow
from workbench.core.inspection.gates import layer_weights
from workbench.core.models.builder import SequenceModel, pool, valid_mask
from workbench.core.models.layers import RecurrentBlock
from workbench.core.spec.task import CLASS_TASKS

#: ``loss_fn(output, y) -> scalar`` — the training engine's ``TaskLogic.loss``: per-step targets
#: that do not count (padding, unmasked steps) hold ``IGNORE``.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
IGNORE = -100  # cross_entropy's ignore_index, as in workbench.core.training.tasks


def task_loss(task: str, loss: str = "auto") -> LossFn:
    """The mean training loss of ``task`` (``TrainSpec.loss``), for use without a trainer."""
    name = loss
    if name == "auto":
        name = "cross_entropy" if task in CLASS_TASKS else "mse"

    def fn(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if name == "cross_entropy":
            if output.dim() == 3:  # per-step head: [B, T, C] against [B, T]
                output, y = output.reshape(-1, output.shape[-1]), y.reshape(-1)
            return F.cross_entropy(output, y, ignore_index=IGNORE)
        y = y.to(output.dtype).reshape(output.shape)
        return F.mse_loss(output, y) if name == "mse" else F.l1_loss(output, y)

    return fn


def per_step_targets(
    y: torch.Tensor, mask: torch.Tensor | None, lengths: torch.Tensor | None
) -> torch.Tensor:
    """Per-step class targets with padded / unmasked steps set to ``IGNORE``."""
    if mask is None and lengths is not None:
        mask = valid_mask(lengths, y.shape[1], y.device)
    return y if mask is None else y.masked_fill(~mask.to(torch.bool), IGNORE)


# --- unrolled cell steps, from the fused layer's weights -------------------------------------
def _unrolled_direction(
    rnn: nn.RNNBase,
    kind: str,
    layer: int,
    direction: int,
    x: torch.Tensor,
    lengths: torch.Tensor | None,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    w = layer_weights(rnn, layer, direction)
    b, steps, _ = x.shape
    gi = F.linear(x, w["w_ih"], w["b_ih"])  # input part of every step at once
    w_hh = w["w_hh"]
    assert w_hh is not None  # every recurrent layer has one
    out_width = w_hh.shape[1]
    h = x.new_zeros(b, out_width)
    c = x.new_zeros(b, rnn.hidden_size) if kind == "lstm" else None
    valid = None
    if lengths is not None and direction == 1:
        valid = valid_mask(lengths, steps, x.device).unsqueeze(-1).to(x.dtype)
    hs: list[torch.Tensor | None] = [None] * steps
    order = range(steps) if direction == 0 else range(steps - 1, -1, -1)
    for t in order:
        gh = F.linear(h, w["w_hh"], w["b_hh"])
        if kind == "lstm":
            i, f, g, o = (gi[:, t] + gh).chunk(4, dim=-1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h_new = o.sigmoid() * c.tanh()
            if w["w_hr"] is not None:
                h_new = F.linear(h_new, w["w_hr"])
        elif kind == "gru":
            ir, iz, in_ = gi[:, t].chunk(3, dim=-1)
            hr, hz, hn = gh.chunk(3, dim=-1)
            r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
            h_new = (1 - z) * (in_ + r * hn).tanh() + z * h
        else:
            pre = gi[:, t] + gh
            h_new = pre.tanh() if rnn.nonlinearity == "tanh" else pre.relu()
        if valid is not None:  # reverse: start at each sequence's last valid step
            h_new = h_new * valid[:, t]
            if c is not None:
                c = c * valid[:, t]
        h = h_new
        hs[t] = h
    return torch.stack(hs, dim=1), hs


#: (layer, direction, [h_t per step]) of one unrolled recurrent layer.
UnrolledNode = tuple[int, int, list[torch.Tensor]]


def _unrolled_block(
    block: RecurrentBlock, x: torch.Tensor, lengths: torch.Tensor | None
) -> tuple[torch.Tensor, list[UnrolledNode]]:
    """Block output through unrolled cells, and ``[(layer, direction, [h_t per step])]``."""
    rnn = block.rnn
    dirs = 2 if rnn.bidirectional else 1
    nodes: list[UnrolledNode] = []
    for layer in range(rnn.num_layers):
        outs = []
        for d in range(dirs):
            out, hs = _unrolled_direction(rnn, block.kind, layer, d, x, lengths)
            outs.append(out)
            nodes.append((layer, d, hs))
        x = torch.cat(outs, dim=-1)
        if lengths is not None and rnn.bidirectional:  # packed kernels emit zeros on padding
            x = x * valid_mask(lengths, x.shape[1], x.device).unsqueeze(-1).to(x.dtype)
    return x, nodes


def _head(
    model: SequenceModel, features: torch.Tensor, lengths: torch.Tensor | None
) -> torch.Tensor:
    if model.per_step:
        return model.head(features)
    return model.head(pool(features, lengths, model.pooling, model.backward_from))


def unrolled_forward(
    model: SequenceModel, x: torch.Tensor, lengths: torch.Tensor | None = None
) -> tuple[torch.Tensor, list[tuple[int, str, int, int, list[torch.Tensor]]]]:
    """``model(x)`` through unrolled cells: (output, ``[(block, kind, layer, direction, [h_t])]``)."""
    h = model.embedding(x) if model.embedding is not None else x
    nodes: list[tuple[int, str, int, int, list[torch.Tensor]]] = []
    for i, block in enumerate(model.blocks):
        if isinstance(block, RecurrentBlock):
            h, found = _unrolled_block(block, h, lengths)
            nodes += [(i, block.kind, layer, d, hs) for layer, d, hs in found]
        else:
            h, _ = block(h, lengths, None)
    return _head(model, h, lengths), nodes


def _norms(
    grads: list[torch.Tensor], lengths: torch.Tensor | None
) -> tuple[np.ndarray, np.ndarray]:
    per_seq = torch.stack(grads, dim=1).double().norm(dim=-1)  # [B, T]
    per_seq = per_seq.detach().cpu().numpy()
    if lengths is not None:
        valid = valid_mask(lengths, per_seq.shape[1], torch.device("cpu")).numpy()
        per_seq = np.where(valid, per_seq, np.nan)
    with np.errstate(invalid="ignore"):
        total = np.sqrt(np.nansum(per_seq**2, axis=0))
    if lengths is not None:
        total[~valid.any(axis=0)] = np.nan
    return total, per_seq


def _fused_input_grads(
    model: SequenceModel,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: LossFn,
    lengths: torch.Tensor | None,
) -> dict[int, np.ndarray]:
    h = (
        model.embedding(x)
        if model.embedding is not None
        else x.detach().clone().requires_grad_(True)
    )
    inputs: dict[int, torch.Tensor] = {}
    for i, block in enumerate(model.blocks):
        if isinstance(block, RecurrentBlock):
            inputs[i] = h
        h, _ = block(h, lengths, None)
    loss = loss_fn(_head(model, h, lengths), y)
    grads = torch.autograd.grad(loss, list(inputs.values()), allow_unused=True)
    found = {}
    for i, g in zip(inputs, grads):
        g = torch.zeros_like(inputs[i]) if g is None else g
        found[i] = _norms(list(g.unbind(1)), lengths)[0]
    return found


def gradient_flow(
    model: SequenceModel,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: LossFn,
    lengths: torch.Tensor | None = None,
    float64: bool = True,
) -> GradFlow:
    """``||dL/dh_t||`` (total, unrolled) per layer and ``||dL/dx_t||`` (fused) on the probe.

    Parameter ``.grad`` fields are left untouched (only ``torch.autograd.grad`` is used), and the
    model runs in eval mode (no dropout) and returns to its previous mode. With ``float64`` (the
    default) a double-precision copy of the model is used: a vanishing gradient easily falls
    below float32's ~1e-45 within 100 steps, and the log-scale view should show how far.
    """
    if float64 and next(model.parameters()).dtype != torch.float64:
        model = copy.deepcopy(model).double()
        x = x.double() if x.is_floating_point() else x
        y = y.double() if y.is_floating_point() else y
    was_training = model.training
    model.eval()
    try:
        # cuDNN's RNN backward refuses eval mode; the native kernels are fine for a probe.
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
            out, nodes = unrolled_forward(model, x, lengths)
            loss = loss_fn(out, y)
            flat = [h for *_, hs in nodes for h in hs]
            grads = torch.autograd.grad(loss, flat, allow_unused=True)
            layers, k = [], 0
            for block, kind, layer, d, hs in nodes:
                g = [
                    torch.zeros_like(h) if gr is None else gr
                    for h, gr in zip(hs, grads[k : k + len(hs)])
                ]
                k += len(hs)
                total, per_seq = _norms(g, lengths)
                layers.append(LayerGradFlow(block, kind, layer, d, total, per_seq))
            dx = _fused_input_grads(model, x, y, loss_fn, lengths)
        return GradFlow(loss=float(loss.detach()), layers=layers, dx=dx)
    finally:
        model.train(was_training)
