"""Inspection views of the recurrent layers on a probe batch, as plain NumPy (no tensors).

- ``layer_views``: hidden state, LSTM cell state and gates per block / layer / direction
  (recomputed from the fused kernels, see ``gates.py``), padded steps NaN.
- ``gate_health``: saturated gates, units that never move, mean forget / update gate.
- ``trajectory``: the probe's ``h_t`` on its first two principal components (NumPy SVD).
- ``make_snapshot``: all of it in one ``ProbeSnapshot`` (``events.py``); ``Probe`` (``probe.py``)
  makes one every few steps during training and publishes it on the run's event bus.
"""

from __future__ import annotations

import numpy as np
import torch

from workbench.core.inspection.events import (
    GradFlow,
    LayerHealth,
    LayerView,
    ProbeSnapshot,
    Trajectory,
)
from workbench.core.inspection.gates import GATE_NAMES, TANH_GATES, LayerTrace, trace_model
from workbench.core.models.builder import SequenceModel

#: A gate value counts as saturated below / above these (sigmoid gates; tanh gates use |v| > 0.9,
#: the same pre-activation threshold since tanh(x) = 2·sigmoid(2x) − 1).
SATURATION_LOW, SATURATION_HIGH = 0.05, 0.95
#: A unit whose hidden state varies less than this over time and probe "never moves".
FROZEN_STD = 1e-3


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float32).numpy()


def to_view(trace: LayerTrace) -> LayerView:
    return LayerView(
        block=trace.block,
        kind=trace.kind,
        layer=trace.layer,
        direction=trace.direction,
        hidden=_np(trace.hidden),
        gates={k: _np(v) for k, v in trace.gates.items()},
        cell=None if trace.cell is None else _np(trace.cell),
    )


def layer_views(
    model: SequenceModel, x: torch.Tensor, lengths: torch.Tensor | None = None
) -> list[LayerView]:
    """Hidden states, cell states and gates of every recurrent layer on the probe ``x``."""
    return [to_view(t) for t in trace_model(model, x, lengths)]


def gate_health(view: LayerView, nonlinearity: str = "tanh") -> LayerHealth:
    """Health figures of one layer / direction (padding excluded through the NaNs)."""
    # (name, values, tanh-valued?) of everything that can saturate
    parts = [
        (n, view.gates[n], n in TANH_GATES) for n in GATE_NAMES[view.kind] if n != "preactivation"
    ]
    if view.kind == "rnn" and nonlinearity == "tanh":
        parts.append(("hidden", view.hidden, True))
    flags = {name: _flags(values, tanh) for name, values, tanh in parts}
    saturation = {name: float(f.mean()) if f.size else float("nan") for name, f in flags.items()}
    joined = np.concatenate(list(flags.values())) if flags else np.zeros(0, dtype=bool)
    overall = float(joined.mean()) if joined.size else float("nan")
    hidden = view.hidden.reshape(-1, view.hidden.shape[-1])
    hidden = hidden[np.isfinite(hidden).all(axis=1)]
    if hidden.shape[0] > 1:
        frozen = np.flatnonzero(hidden.std(axis=0) < FROZEN_STD)
    else:
        frozen = np.zeros(0, dtype=np.int64)
    return LayerHealth(
        block=view.block,
        kind=view.kind,
        layer=view.layer,
        direction=view.direction,
        saturation=saturation,
        saturated_fraction=overall,
        frozen_units=frozen,
        frozen_fraction=float(frozen.size / view.hidden.shape[-1]),
        mean_forget=_nanmean(view.gates.get("forget")),
        mean_update=_nanmean(view.gates.get("update")),
    )


def _flags(values: np.ndarray, tanh: bool) -> np.ndarray:
    v = values[np.isfinite(values)]
    if tanh:
        v = (v + 1.0) / 2.0
    return (v < SATURATION_LOW) | (v > SATURATION_HIGH)


def _nanmean(values: np.ndarray | None) -> float | None:
    if values is None:
        return None
    v = values[np.isfinite(values)]
    return float(v.mean()) if v.size else float("nan")


def trajectory(view: LayerView) -> Trajectory:
    """``h_t`` projected on its first two principal components (fitted on valid steps only).

    The sign of each component is fixed (largest loading positive) so the picture does not flip
    between consecutive snapshots.
    """
    b, t, h = view.hidden.shape
    flat = view.hidden.reshape(-1, h).astype(np.float64)
    valid = np.isfinite(flat).all(axis=1)
    points = np.full((b * t, 2), np.nan)
    explained = np.zeros(2)
    rows = flat[valid]
    if rows.shape[0] >= 2:
        mean = rows.mean(axis=0)
        _, s, vt = np.linalg.svd(rows - mean, full_matrices=False)
        comps = vt[:2]
        signs = np.sign(comps[np.arange(comps.shape[0]), np.abs(comps).argmax(axis=1)])
        comps = comps * signs[:, None]
        k = comps.shape[0]
        points[valid, :k] = (rows - mean) @ comps.T
        if k < 2:
            points[valid, 1] = 0.0
        var = s**2
        total = var.sum()
        if total > 0:
            explained[:k] = var[:k] / total
    return Trajectory(
        block=view.block,
        layer=view.layer,
        direction=view.direction,
        points=points.reshape(b, t, 2).astype(np.float32),
        explained_variance=explained,
    )


def make_snapshot(
    model: SequenceModel,
    x: torch.Tensor,
    lengths: torch.Tensor | None = None,
    step: int = 0,
    epoch: int = 0,
    grad_flow: GradFlow | None = None,
) -> ProbeSnapshot:
    """All views on the probe ``x`` (gradient flow is computed separately, see ``gradflow``)."""
    views = layer_views(model, x, lengths)
    nonlin = {
        i: getattr(block.rnn, "nonlinearity", "tanh")
        for i, block in enumerate(model.blocks)
        if hasattr(block, "rnn")
    }
    steps = x.shape[1]
    lengths_np = (
        np.full(x.shape[0], steps, dtype=np.int64)
        if lengths is None
        else lengths.cpu().numpy().astype(np.int64)
    )
    inputs = x.detach().cpu()
    inputs = inputs.numpy() if not inputs.is_floating_point() else inputs.to(torch.float32).numpy()
    return ProbeSnapshot(
        step=step,
        epoch=epoch,
        blocks=views,
        gate_health=[gate_health(v, nonlin.get(v.block, "tanh")) for v in views],
        trajectory=[trajectory(v) for v in views],
        inputs=inputs,
        lengths=lengths_np,
        grad_flow=grad_flow,
        has_grad_flow=grad_flow is not None,
    )
