"""A text corpus → PreparedData for language modelling: characters or words, vocabulary from
the train split.

The token stream is split in order (train | val | test); tokens never seen in training map to
``<unk>`` (id 0). Reading and tokenizing live in ``workbench.core.data.text``; the compact
token ids (smallest dtype, chunked passes) in ``workbench.core.data.token_ids``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from workbench.core.data.prepared import DataSummary, PreparedData, SequenceSplit
from workbench.core.data.raw import RawText
from workbench.core.data.splits import require_train, split_counts
from workbench.core.data.token_ids import char_vocab, word_stream, word_vocab
from workbench.core.errors import DataError
from workbench.core.spec.task import Task

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec

UNK = "<unk>"


def prepare_text(
    raw: RawText, spec: DataSpec, where: str, fmt: str, source: str, summary_only: bool = False
) -> PreparedData | DataSummary:
    if spec.task != Task.LANGUAGE_MODEL:
        raise DataError(
            f"{where}: a text corpus is for task 'language_model' (got {spec.task!r})",
            "set task to 'language_model'",
        )
    level = spec.text_level
    sp = spec.split
    # Token ids in the smallest dtype, the splits views of one stream (token_ids.py says why).
    if level == "char":
        n = len(raw.text)
        n_train, n_val, _ = split_counts(n, sp.val_fraction, sp.test_fraction)
        require_train(n_train - 1, where, "tokens")
        kept, ids = char_vocab(raw.text, n_train, spec.min_freq)
        joiner = ""
    else:
        words, parts = word_stream(raw.text)
        n = sum(len(p) for p in parts)
        n_train, n_val, _ = split_counts(n, sp.val_fraction, sp.test_fraction)
        require_train(n_train - 1, where, "tokens")
        kept, ids = word_vocab(words, parts, n_train, spec.min_freq)
        del words
        joiner = " "
    vocab = [UNK, *kept]
    bounds = [(0, n_train), (n_train, n_train + n_val), (n_train + n_val, n)]
    n_unk = int(np.count_nonzero(ids[n_train:] == 0)) if n > n_train else 0
    unk_rate = n_unk / (n - n_train) if n_unk else 0.0
    notes = [f"{unk_rate:.2%} of validation/test tokens are <unk>"] if unk_rate else []
    sizes = {"train": n_train, "val": n_val, "test": n - n_train - n_val}
    summary = DataSummary(
        output_size=len(vocab),
        format=fmt,
        source=source,
        task=Task.LANGUAGE_MODEL.value,
        n_sequences=1,
        length_min=n,
        length_median=float(n),
        length_max=n,
        n_features=len(vocab),
        feature_names=[f"{level} tokens"],
        target_names=["next token"],
        missing_values=0,
        split_sizes=sizes,
        split_kind="in order (train | val | test)",
        vocab_size=len(vocab),
        n_tokens=n,
        normalization="none",
        preview_header=raw.preview.header,
        preview_rows=raw.preview.rows,
        notes=notes + raw.notes,
    )
    if summary_only:
        return summary
    import torch

    stream = torch.from_numpy(ids)
    splits = [SequenceSplit(x=stream[a:b]) for a, b in bounds]  # views, no copies
    return PreparedData(
        task=Task.LANGUAGE_MODEL.value,
        train=splits[0],
        val=splits[1],
        test=splits[2],
        n_features=len(vocab),
        vocab=vocab,
        output_size=len(vocab),
        class_names=None,
        target_names=["next token"],
        normalization_stats=None,
        summary=summary,
        token_joiner=joiner,
    )
