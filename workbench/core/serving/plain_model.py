"""The workbench's sequence model in plain ``torch.nn``, with no workbench imports.

This file is copied verbatim into every "pytorch" export (``model.py``), traced for
TorchScript and exported to ONNX, so it must only import torch. Differences from
``workbench.core.models.builder.SequenceModel``, all exact on the steps a prediction reads:

- ``forward(x, lengths)`` always takes lengths (``[B]`` int64; pass ``T`` for full sequences);
- a bidirectional block runs each direction as its own one-layer RNN, the backward one on the
  sequence reversed *within its length* (a gather), instead of a packed sequence — packing
  cannot be traced or exported, the gather can. Values past a sequence's end are not zeroed
  (nothing downstream reads them).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

RNN_TYPES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def reverse_within_length(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``x[b, t]`` → ``x[b, len_b - 1 - t]`` for ``t < len_b``; later steps stay in place."""
    steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
    last = (lengths.to(x.device) - 1).unsqueeze(1)
    index = torch.where(steps <= last, last - steps, steps)
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[2]))


def _rnn(cfg: dict[str, Any], width: int, num_layers: int, bidirectional: bool) -> nn.Module:
    kwargs = {"batch_first": True, "num_layers": num_layers, "bidirectional": bidirectional}
    if cfg["type"] == "rnn":
        kwargs["nonlinearity"] = cfg.get("nonlinearity", "tanh")
    if cfg["type"] == "lstm" and cfg.get("proj_size"):
        kwargs["proj_size"] = cfg["proj_size"]
    return RNN_TYPES[cfg["type"]](width, cfg["hidden_size"], **kwargs)


class Recurrent(nn.Module):
    """One direction: ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` with all its stacked layers."""

    def __init__(self, cfg: dict[str, Any], width: int) -> None:
        super().__init__()
        self.rnn = _rnn(cfg, width, cfg["num_layers"], False)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, state=None):
        return self.rnn(x, state)


class Bidirectional(nn.Module):
    """Both directions, layer by layer: ``fwd[i]`` reads forwards, ``bwd[i]`` backwards."""

    def __init__(self, cfg: dict[str, Any], width: int) -> None:
        super().__init__()
        out = cfg.get("proj_size") or cfg["hidden_size"]
        widths = [width] + [2 * out] * (cfg["num_layers"] - 1)
        self.fwd = nn.ModuleList(_rnn(cfg, w, 1, False) for w in widths)
        self.bwd = nn.ModuleList(_rnn(cfg, w, 1, False) for w in widths)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, state=None):
        for fwd, bwd in zip(self.fwd, self.bwd):
            ahead, _ = fwd(x)
            back, _ = bwd(reverse_within_length(x, lengths))
            x = torch.cat([ahead, reverse_within_length(back, lengths)], dim=2)
        return x, None


class Norm(nn.Module):
    def __init__(self, width: int, eps: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width, eps=eps)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, state=None):
        return self.norm(x), None


class Identity(nn.Module):
    """Dropout at inference time."""

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, state=None):
        return x, None


class SequenceNet(nn.Module):
    """Embedding (token input) → blocks → head, configured by a plain dict (``CONFIG``).

    ``forward(x, lengths)``: ``x`` float ``[B, T, F]`` or int64 token ids ``[B, T]``;
    returns ``[B, outputs]`` (sequence head) or ``[B, T, outputs]`` (per-step head).
    ``run(x, lengths, state)`` also returns the recurrent state, for text read in chunks.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        inp, head = config["input"], config["head"]
        tokens = inp["kind"] == "tokens"
        self.embedding = nn.Embedding(inp["vocab_size"], inp["embedding_dim"]) if tokens else None
        width = inp["embedding_dim"] if tokens else inp["n_features"]
        blocks: list[nn.Module] = []
        for cfg in config["layers"]:
            if cfg["type"] in RNN_TYPES:
                block = Bidirectional(cfg, width) if cfg["bidirectional"] else Recurrent(cfg, width)
                out = cfg.get("proj_size") or cfg["hidden_size"]
                width = out * (2 if cfg["bidirectional"] else 1)
            elif cfg["type"] == "layernorm":
                block = Norm(width, cfg["eps"])
            else:
                block = Identity()
            blocks.append(block)
        self.blocks = nn.ModuleList(blocks)
        self.per_step = head["kind"] == "per_step"
        self.pooling = head["pooling"]
        # Dropout does nothing at inference; it is kept so the layer numbers match training's.
        layers: list[nn.Module] = [nn.Dropout(head["dropout"])] if head["dropout"] else []
        if head["hidden_size"]:
            layers += [nn.Linear(width, head["hidden_size"]), nn.ReLU()]
            layers += [nn.Dropout(head["dropout"])] if head["dropout"] else []
            width = head["hidden_size"]
        layers.append(nn.Linear(width, head["output_size"]))
        self.head = nn.Sequential(*layers)

    def run(self, x: torch.Tensor, lengths: torch.Tensor, state=None):
        if self.embedding is not None:
            x = self.embedding(x)
        new_state = []
        for i, block in enumerate(self.blocks):
            x, s = block(x, lengths, None if state is None else state[i])
            new_state.append(s)
        if self.per_step:
            return self.head(x), new_state
        return self.head(self.pool(x, lengths)), new_state

    def pool(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``[B, T, W]`` → ``[B, W]`` over each sequence's valid steps only."""
        lengths = lengths.to(x.device)
        if self.pooling == "last":
            index = (lengths - 1).clamp(min=0)
            return x[torch.arange(x.shape[0], device=x.device), index]
        valid = torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]
        valid = valid.unsqueeze(-1)
        if self.pooling == "mean":
            total = (x * valid).sum(dim=1)
            return total / lengths.clamp(min=1).unsqueeze(-1).to(x.dtype)
        return x.masked_fill(~valid, float("-inf")).amax(dim=1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.run(x, lengths)[0]
