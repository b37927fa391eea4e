"""Batching by tensor slicing; LM batches in the batchify layout (state carries across chunks)."""

from __future__ import annotations

import torch

from workbench.core.data.batching import iterate_batches, lm_batches
from workbench.core.data.prepared import SequenceSplit


def _ragged_split() -> SequenceSplit:
    lengths = torch.tensor([3, 5, 2, 4, 1])
    x = torch.zeros(5, 6, 2)
    for i, n in enumerate(lengths):
        x[i, :n] = i + 1
    mask = torch.arange(6)[None, :] < lengths[:, None]
    y = torch.where(mask, torch.arange(5)[:, None].expand(5, 6), 0)
    return SequenceSplit(x=x, y=y, lengths=lengths, mask=mask)


def test_every_sequence_once_and_trimmed_to_the_longest():
    split = _ragged_split()
    seen = []
    for b in iterate_batches(split, 2, shuffle=True, generator=torch.Generator().manual_seed(1)):
        assert b.x.shape[1] == int(b.lengths.max())
        assert b.mask.shape == b.y.shape == b.x.shape[:2]
        seen.extend(int(v) for v in b.x[:, 0, 0])
    assert sorted(seen) == [1, 2, 3, 4, 5]


def test_unshuffled_batches_are_views_in_order():
    split = SequenceSplit(x=torch.arange(40.0).reshape(10, 4, 1), y=torch.arange(10))
    batches = list(iterate_batches(split, 4, shuffle=False))
    assert [len(b.x) for b in batches] == [4, 4, 2]
    assert batches[0].x.data_ptr() == split.x.data_ptr()
    assert torch.equal(torch.cat([b.y for b in batches]), split.y)


def test_shuffle_depends_on_the_generator():
    split = SequenceSplit(x=torch.arange(100.0).reshape(100, 1, 1), y=torch.arange(100))
    a = [b.y for b in iterate_batches(split, 10, True, torch.Generator().manual_seed(0))]
    b = [b.y for b in iterate_batches(split, 10, True, torch.Generator().manual_seed(0))]
    c = [b.y for b in iterate_batches(split, 10, True, torch.Generator().manual_seed(1))]
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert not all(torch.equal(p, q) for p, q in zip(a, c))


def test_lm_batches_continue_row_by_row():
    stream = torch.arange(103)
    chunks = list(lm_batches(stream, batch_size=4, seq_len=5))
    rows = 103 // 4  # 25 tokens per row
    assert chunks[0][0].shape == (4, 5)
    # y is x shifted by one token
    for x, y in chunks:
        assert torch.equal(y, x + 1)
    # chunk k+1 continues chunk k in every row
    assert torch.equal(chunks[1][0][:, 0], chunks[0][0][:, -1] + 1)
    assert torch.equal(chunks[0][0][:, 0], torch.arange(4) * rows)
    # every position of a row except the last is an input exactly once
    assert sum(x.shape[1] for x, _ in chunks) == rows - 1


def test_lm_batches_short_stream_uses_fewer_rows():
    chunks = list(lm_batches(torch.arange(7), batch_size=32, seq_len=10))
    assert len(chunks) == 1 and chunks[0][0].shape[0] == 3
    assert list(lm_batches(torch.arange(1), batch_size=4, seq_len=3)) == []
