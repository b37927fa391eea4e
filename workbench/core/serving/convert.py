"""A workbench model → the plain ``SequenceNet`` of ``plain_model.py`` (config + weights)."""

from __future__ import annotations

import re
from typing import Any

import torch

from workbench.core.serving.plain_model import SequenceNet
from workbench.core.spec.layers import LayerNormSpec, RecurrentSpec
from workbench.core.spec.project import ModelSpec

_DIRECTION = re.compile(r"^blocks\.(\d+)\.rnn\.(\w+?)_l(\d+)(_reverse)?$")


def plain_config(spec: ModelSpec) -> dict[str, Any]:
    """The plain dict ``SequenceNet`` is built from (JSON-safe)."""
    layers = []
    for layer in spec.layers:
        cfg: dict[str, Any] = {"type": layer.type}
        if isinstance(layer, RecurrentSpec):
            cfg.update(
                hidden_size=layer.hidden_size,
                num_layers=layer.num_layers,
                bidirectional=layer.bidirectional,
                proj_size=getattr(layer, "proj_size", 0),
                nonlinearity=getattr(layer, "nonlinearity", "tanh"),
            )
        elif isinstance(layer, LayerNormSpec):
            cfg["eps"] = layer.eps
        layers.append(cfg)
    return {"input": spec.input.to_dict(), "layers": layers, "head": spec.head.to_dict()}


def plain_state_dict(model: torch.nn.Module, spec: ModelSpec) -> dict[str, torch.Tensor]:
    """The weights of ``model`` under ``SequenceNet``'s names: bidirectional blocks split
    into one single-layer RNN per layer and direction; everything else keeps its name."""
    bidir = {
        i
        for i, layer in enumerate(spec.layers)
        if isinstance(layer, RecurrentSpec) and layer.bidirectional
    }
    out: dict[str, torch.Tensor] = {}
    for name, value in model.state_dict().items():
        m = _DIRECTION.match(name)
        if m and int(m[1]) in bidir:
            side = "bwd" if m[4] else "fwd"
            name = f"blocks.{m[1]}.{side}.{m[3]}.{m[2]}_l0"
        out[name] = value.detach().cpu().clone()
    return out


def to_plain(model: torch.nn.Module, spec: ModelSpec) -> SequenceNet:
    """A ``SequenceNet`` with ``model``'s weights, in eval mode."""
    net = SequenceNet(plain_config(spec))
    net.load_state_dict(plain_state_dict(model, spec), strict=True)
    return net.eval()
