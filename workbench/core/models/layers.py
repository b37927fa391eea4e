"""Torch modules for each registered layer type, and the registry that builds them.

Every block has the same call: ``block(x, lengths, state) -> (y, new_state)`` with ``x`` of
shape ``[B, T, F]`` (batch first). Recurrent blocks wrap PyTorch's fused ``nn.RNN`` /
``nn.LSTM`` / ``nn.GRU`` (cuDNN on GPU, oneDNN on CPU): never a Python loop over time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from workbench.core.spec.layers import (
    DropoutSpec,
    GRUSpec,
    LayerNormSpec,
    LayerSpec,
    LSTMSpec,
    RNNSpec,
)

#: Each builder takes its own spec class (hence Any: a Callable is contravariant in its argument).
LayerBuilder = Callable[[Any, int], nn.Module]
LAYER_BUILDERS: dict[str, LayerBuilder] = {}


def register_builder(kind: str) -> Callable[[LayerBuilder], LayerBuilder]:
    def wrap(fn: LayerBuilder) -> LayerBuilder:
        LAYER_BUILDERS[kind] = fn
        return fn

    return wrap


def build_layer(spec: LayerSpec, input_width: int) -> nn.Module:
    return LAYER_BUILDERS[spec.type](spec, input_width)


class RecurrentBlock(nn.Module):
    """A fused recurrent layer stack. ``self.rnn`` is the ``nn.RNN``/``nn.LSTM``/``nn.GRU``."""

    def __init__(self, rnn: nn.RNNBase, spec: LayerSpec) -> None:
        super().__init__()
        self.rnn = rnn
        self.kind = spec.type
        self.bidirectional = rnn.bidirectional

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None, state: Any = None
    ) -> tuple[torch.Tensor, Any]:
        if lengths is not None and self.bidirectional:
            # The backward direction must start at each sequence's last *valid* step, so
            # variable-length batches go through a packed sequence (lengths live on the CPU).
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, new_state = self.rnn(packed, state)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
            return out, new_state
        # Unidirectional: steps after a sequence's end never influence its valid steps, so
        # the fast unpacked kernel is exact for every step the model reads.
        return self.rnn(x, state)

    def final(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """``[B, W]``: each direction's final state of the top layer, read from ``h_n`` (the
        forward direction at the last valid step, the backward one at the first) — no unpack,
        no gather; ~10 % faster than padding the packed output back out."""
        if lengths is not None and self.bidirectional:
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            _, h_n = self.rnn(packed)  # h_n comes back in the batch's own order
        elif lengths is not None:
            # The unpacked kernel's h_n is at step T-1 (padding included): read the output at
            # each sequence's last valid step instead.
            out, _ = self.rnn(x)
            index = (lengths.to(out.device) - 1).clamp(min=0)
            return out[torch.arange(out.shape[0], device=out.device), index]
        else:
            _, h_n = self.rnn(x)
        if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
            h_n = h_n[0]
        if self.bidirectional:
            return torch.cat([h_n[-2], h_n[-1]], dim=-1)
        return h_n[-1]


class DropoutBlock(nn.Module):
    def __init__(self, p: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(p)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None, state: Any = None
    ) -> tuple[torch.Tensor, None]:
        return self.dropout(x), None


class LayerNormBlock(nn.Module):
    def __init__(self, width: int, eps: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width, eps=eps)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None, state: Any = None
    ) -> tuple[torch.Tensor, None]:
        return self.norm(x), None


def _rnn_kwargs(spec: RNNSpec | LSTMSpec | GRUSpec, input_width: int) -> dict[str, Any]:
    return {
        "input_size": input_width,
        "hidden_size": spec.hidden_size,
        "num_layers": spec.num_layers,
        "bidirectional": spec.bidirectional,
        "dropout": spec.dropout if spec.num_layers > 1 else 0.0,
        "batch_first": True,
    }


@register_builder("rnn")
def _build_rnn(spec: RNNSpec, input_width: int) -> nn.Module:
    return RecurrentBlock(
        nn.RNN(nonlinearity=spec.nonlinearity, **_rnn_kwargs(spec, input_width)), spec
    )


@register_builder("lstm")
def _build_lstm(spec: LSTMSpec, input_width: int) -> nn.Module:
    return RecurrentBlock(nn.LSTM(proj_size=spec.proj_size, **_rnn_kwargs(spec, input_width)), spec)


@register_builder("gru")
def _build_gru(spec: GRUSpec, input_width: int) -> nn.Module:
    return RecurrentBlock(nn.GRU(**_rnn_kwargs(spec, input_width)), spec)


@register_builder("dropout")
def _build_dropout(spec: DropoutSpec, input_width: int) -> nn.Module:
    return DropoutBlock(spec.p)


@register_builder("layernorm")
def _build_layernorm(spec: LayerNormSpec, input_width: int) -> nn.Module:
    return LayerNormBlock(input_width, spec.eps)
