"""Batches by tensor slicing: no per-sample Python collation, so data never limits training."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import torch
from torch import Tensor

from workbench.core.data.prepared import SequenceSplit


class Batch(NamedTuple):
    x: Tensor
    y: Tensor | None
    lengths: Tensor | None
    mask: Tensor | None


def _take(t: Tensor | None, index: Tensor | slice) -> Tensor | None:
    return None if t is None else t[index]


def iterate_batches(
    split: SequenceSplit,
    batch_size: int,
    shuffle: bool,
    generator: torch.Generator | None = None,
    order: Tensor | None = None,
) -> Iterator[Batch]:
    """Batches of ``split`` (the last one may be smaller), each trimmed to its longest sequence.

    Without shuffling, batches are contiguous slices (views); with shuffling, one fancy-index
    gather per tensor per batch. ``order`` (indices into the split) batches exactly those
    sequences in that order instead — one process's shard of a multi-process run.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be ≥ 1")
    if split.is_stream:
        raise ValueError("a token stream is batched with lm_batches, not iterate_batches")
    if order is None and shuffle:
        order = torch.randperm(len(split), generator=generator)
    n = len(split) if order is None else int(order.shape[0])
    for start in range(0, n, batch_size):
        index: Tensor | slice
        index = (
            order[start : start + batch_size]
            if order is not None
            else slice(start, start + batch_size)
        )
        x, y = split.x[index], _take(split.y, index)
        lengths, mask = _take(split.lengths, index), _take(split.mask, index)
        if lengths is not None:
            longest = int(lengths.max())
            if longest < x.shape[1]:
                # Padding past the longest sequence in this batch is wasted recurrent steps.
                x = x[:, :longest]
                if mask is not None:  # per-step targets: y is [B, T] like the mask
                    mask = mask[:, :longest]
                    y = None if y is None else y[:, :longest]
        yield Batch(x, y, lengths, mask)


def lm_batches(stream: Tensor, batch_size: int, seq_len: int) -> Iterator[tuple[Tensor, Tensor]]:
    """Truncated-BPTT chunks of a token stream in the classic "batchify" layout.

    The stream is cut into ``batch_size`` contiguous rows; chunk k+1 continues chunk k row by
    row, so the hidden state can be carried across chunks. ``y`` is ``x`` shifted by one token.
    A stream too short for ``batch_size`` rows uses fewer rows (at least 2 tokens per row).
    """
    if batch_size < 1 or seq_len < 1:
        raise ValueError("batch_size and seq_len must be ≥ 1")
    total = int(stream.shape[0])
    rows = min(batch_size, total // 2)
    if rows < 1:
        return
    cols = total // rows
    data = stream[: rows * cols].view(rows, cols)
    for i in range(0, cols - 1, seq_len):
        step = min(seq_len, cols - 1 - i)
        yield data[:, i : i + step].long(), data[:, i + 1 : i + 1 + step].long()


def n_lm_batches(n_tokens: int, batch_size: int, seq_len: int) -> int:
    """How many chunks ``lm_batches`` yields for a stream of ``n_tokens``."""
    rows = min(batch_size, n_tokens // 2)
    if rows < 1:
        return 0
    cols = n_tokens // rows
    return max(0, -(-(cols - 1) // seq_len))
