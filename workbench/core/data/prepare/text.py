"""A text corpus → PreparedData for language modelling: characters or words, vocabulary from
the train split.

The token stream is split in order (train | val | test); tokens never seen in training map to
``<unk>`` (id 0). Reading and tokenizing live in ``workbench.core.data.text``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.data.prepared import DataSummary, PreparedData, SequenceSplit
from workbench.core.data.raw import RawText
from workbench.core.data.splits import ordered_split, require_train
from workbench.core.data.text import tokenize
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
    tokens = tokenize(raw.text, level)
    n = len(tokens)
    sp = spec.split
    train, val, test = ordered_split(n, sp.val_fraction, sp.test_fraction)
    require_train(len(train) - 1, where, "tokens")
    n_train = len(train)
    if level == "char":
        codes = tokens
        uniq, counts = np.unique(codes[:n_train], return_counts=True)
        kept = uniq[counts >= spec.min_freq]
        vocab = [UNK] + [chr(int(c)) for c in kept]
        pos = np.searchsorted(kept, codes)
        pos_clipped = np.minimum(pos, max(0, len(kept) - 1))
        known = (len(kept) > 0) & (kept[pos_clipped] == codes) if len(kept) else np.zeros(n, bool)
        ids = np.where(known, pos_clipped + 1, 0).astype(np.int64)
        joiner = ""
    else:
        words = Counter(tokens[:n_train])
        kept_words = sorted(
            (w for w, c in words.items() if c >= spec.min_freq), key=lambda w: (-words[w], w)
        )
        vocab = [UNK, *kept_words]
        index = {w: i for i, w in enumerate(vocab)}
        ids = np.fromiter((index.get(w, 0) for w in tokens), dtype=np.int64, count=n)
        joiner = " "
    bounds = [(0, n_train), (n_train, n_train + len(val)), (n_train + len(val), n)]
    unk_rate = float((ids[n_train:] == 0).mean()) if n > n_train else 0.0
    notes = [f"{unk_rate:.2%} of validation/test tokens are <unk>"] if unk_rate else []
    sizes = {"train": n_train, "val": len(val), "test": len(test)}
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
    splits = [SequenceSplit(x=stream[a:b].clone()) for a, b in bounds]
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
