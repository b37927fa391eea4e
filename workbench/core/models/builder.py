"""Turn a ``ModelSpec`` into a ``SequenceModel``: input → recurrent stack → head."""

from __future__ import annotations

from typing import Any, TypeAlias

import torch
from torch import nn

from workbench.core.models.layers import DropoutBlock, RecurrentBlock, build_layer
from workbench.core.spec.project import ModelSpec

#: Recurrent state of one block: ``h`` (RNN/GRU) or ``(h, c)`` (LSTM); None when not carried.
BlockState: TypeAlias = "torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None"


class SequenceModel(nn.Module):
    """``forward(x, lengths=None, state=None) -> (output, state)``.

    - ``x``: ``[B, T, F]`` float (numeric input) or ``[B, T]`` int64 token ids.
    - ``lengths``: int64 ``[B]`` on the CPU (valid steps per sequence), or None when every
      sequence fills all ``T`` steps.
    - ``state``: a list with one entry per block (None for non-recurrent blocks), for stateful
      language models that carry the hidden state across consecutive chunks.
    - ``output``: ``[B, output_size]`` for a sequence head, ``[B, T, output_size]`` per step.
    """

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        self.spec = spec
        inp = spec.input
        self.embedding = (
            nn.Embedding(inp.vocab_size, inp.embedding_dim) if inp.kind == "tokens" else None
        )
        blocks, widths = [], spec.layer_widths()
        for layer, (width_in, _) in zip(spec.layers, widths):
            blocks.append(build_layer(layer, width_in))
        self.blocks = nn.ModuleList(blocks)
        body_width = widths[-1][1] if widths else inp.width
        head = spec.head
        self.per_step = head.kind == "per_step"
        self.pooling = head.pooling
        # `last` after a bidirectional layer = each direction's final state: the backward half
        # of the features (from ``backward_from`` on) is read at the first step, not the last.
        recurrent = [i for i, b in enumerate(self.blocks) if isinstance(b, RecurrentBlock)]
        last_rnn = recurrent[-1] if recurrent else None
        self.backward_from = (
            body_width // 2
            if last_rnn is not None and self.blocks[last_rnn].bidirectional
            else None
        )
        # Read h_n directly (no unpack, no gather) when nothing after the last recurrent block
        # mixes steps or features: only dropout may follow it.
        tail = list(self.blocks)[last_rnn + 1 :] if last_rnn is not None else []
        self._final_from_h_n = (
            last_rnn is not None
            and head.kind == "sequence"
            and head.pooling == "last"
            and all(isinstance(b, DropoutBlock) for b in tail)
        )
        self._last_rnn = last_rnn
        parts: list[nn.Module] = []
        if head.dropout > 0:
            parts.append(nn.Dropout(head.dropout))
        width = body_width
        if head.hidden_size:
            parts += [nn.Linear(width, head.hidden_size), nn.ReLU()]
            width = head.hidden_size
            if head.dropout > 0:
                parts.append(nn.Dropout(head.dropout))
        parts.append(nn.Linear(width, head.output_size))
        self.head = nn.Sequential(*parts)

    def recurrent_blocks(self) -> list[tuple[int, RecurrentBlock]]:
        return [(i, b) for i, b in enumerate(self.blocks) if isinstance(b, RecurrentBlock)]

    def body(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None, state: Any = None
    ) -> tuple[torch.Tensor, list[BlockState]]:
        """Embedding + blocks: features ``[B, T, W]`` before the head, and the new state."""
        if self.embedding is not None:
            x = self.embedding(x)
        new_state: list[BlockState] = []
        for i, block in enumerate(self.blocks):
            x, s = block(x, lengths, None if state is None else state[i])
            new_state.append(s)
        return x, new_state

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None, state: Any = None
    ) -> tuple[torch.Tensor, list[BlockState]]:
        if self._final_from_h_n and state is None:
            return self.head(self.final_states(x, lengths)), [None] * len(self.blocks)
        features, new_state = self.body(x, lengths, state)
        if self.per_step:
            return self.head(features), new_state
        return self.head(pool(features, lengths, self.pooling, self.backward_from)), new_state

    def final_states(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``[B, W]``: the last recurrent block's final state per direction (from ``h_n``), then
        the dropout blocks after it — what ``pooling: last`` reads."""
        if self.embedding is not None:
            x = self.embedding(x)
        assert self._last_rnn is not None
        for block in list(self.blocks)[: self._last_rnn]:
            x, _ = block(x, lengths, None)
        out = self.blocks[self._last_rnn].final(x, lengths)
        for block in list(self.blocks)[self._last_rnn + 1 :]:
            out, _ = block(out, lengths, None)
        return out


def valid_mask(lengths: torch.Tensor, steps: int, device: torch.device) -> torch.Tensor:
    """``[B, T]`` bool, True on each sequence's valid steps."""
    return torch.arange(steps, device=device)[None, :] < lengths.to(device)[:, None]


def pool(
    features: torch.Tensor,
    lengths: torch.Tensor | None,
    how: str,
    backward_from: int | None = None,
) -> torch.Tensor:
    """Reduce ``[B, T, W]`` to ``[B, W]`` using only valid steps (never the padding).

    ``last_step``: the features at each sequence's last valid step. ``last``: the same, except
    that after a bidirectional layer the backward half (columns ``backward_from`` on) is read
    at the first step, where the backward direction has seen the whole sequence — each
    direction's final state, like PyTorch's ``h_n`` and Keras' ``Bidirectional``.
    """
    if how in ("last", "last_step"):
        if lengths is None:
            final = features[:, -1]
        else:
            index = (lengths.to(features.device) - 1).clamp(min=0)
            final = features[torch.arange(features.shape[0], device=features.device), index]
        if how == "last_step" or backward_from is None:
            return final
        return torch.cat([final[:, :backward_from], features[:, 0, backward_from:]], dim=-1)
    if lengths is None:
        return features.mean(dim=1) if how == "mean" else features.amax(dim=1)
    mask = valid_mask(lengths, features.shape[1], features.device).unsqueeze(-1)
    if how == "mean":
        total = (features * mask).sum(dim=1)
        return total / lengths.to(features.device).clamp(min=1).unsqueeze(-1).to(features.dtype)
    return features.masked_fill(~mask, float("-inf")).amax(dim=1)


def build_model(spec: ModelSpec) -> SequenceModel:
    """A fresh model for ``spec`` (weights from the current torch RNG); a ``SpecError``
    before anything is allocated when it cannot fit in memory."""
    check_model_size(spec)
    return SequenceModel(spec)


def check_model_size(spec: ModelSpec) -> None:
    """Refuse a model whose training state (weights, gradients, two optimizer moments, all
    float32) exceeds the free memory — counted from the spec, nothing is allocated."""
    from workbench.core.memory import check_fits
    from workbench.core.models.summary import summarize

    params = summarize(spec).total_params
    check_fits(
        params * 4 * 4,
        f"the model ({params:,} parameters) in training",
        "use smaller hidden sizes, fewer layers or a smaller embedding / vocabulary",
    )


def detach_state(state: list[BlockState] | None) -> list[BlockState] | None:
    """Cut the graph between truncated-BPTT chunks while keeping the values."""
    if state is None:
        return None
    out: list[BlockState] = []
    for s in state:
        if s is None:
            out.append(None)
        elif isinstance(s, tuple):
            out.append(tuple(t.detach() for t in s))
        else:
            out.append(s.detach())
    return out
