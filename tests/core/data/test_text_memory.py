"""Text-LM token ids: compact dtypes, views, chunked passes — same ids, ≤ 4× the file in memory."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from workbench.core.data import load_data
from workbench.core.data import token_ids as tid
from workbench.core.data.batching import lm_batches
from workbench.core.data.text import read_text
from workbench.core.serving.inputs import _text
from workbench.core.spec.project import DataSpec, SplitSpec

SHAKESPEARE = Path(__file__).parents[3] / "resources" / "data" / "shakespeare.txt"
TEXTS = {
    "ascii": "the cat sat on the mat.\nthe dog sat!\n" * 9 + "a zebra appeared .",
    "latin1": "naïve café, déjà vu\n" * 7 + "über",
    "bmp": "東京 — tōkyō “quoted” 東京\n" * 6 + "ŋ",
    "astral": "emoji 😀 and 𝄞 music 😀\n" * 5 + "\ud800 lone",
}


def _reference(text: str, level: str, n_train: int, min_freq: int):
    """The first version's algorithm (per-token Python objects), as the oracle."""
    tokens = list(text) if level == "char" else tid.WORD.findall(text)
    counts = Counter(tokens[:n_train])
    if level == "char":
        kept = sorted((t for t, c in counts.items() if c >= min_freq), key=ord)
    else:
        kept = sorted(
            (t for t, c in counts.items() if c >= min_freq), key=lambda w: (-counts[w], w)
        )
    index = {t: i + 1 for i, t in enumerate(kept)}
    return kept, [index.get(t, 0) for t in tokens]


@pytest.mark.parametrize("name", sorted(TEXTS))
@pytest.mark.parametrize("level", ["char", "word"])
@pytest.mark.parametrize("min_freq", [1, 3])
def test_ids_equal_the_plain_algorithm_across_chunk_borders(monkeypatch, name, level, min_freq):
    monkeypatch.setattr(tid, "CHUNK", 7)  # many chunk and slice borders in a short text
    monkeypatch.setattr(tid, "_WORD_CHUNK", 5)
    text = TEXTS[name]
    n_tokens = len(text) if level == "char" else len(tid.WORD.findall(text))
    n_train = int(n_tokens * 0.8)
    if level == "char":
        vocab, ids = tid.char_vocab(text, n_train, min_freq)
        again = tid.char_ids(text, ["<unk>", *vocab])
    else:
        words, parts = tid.word_stream(text)
        vocab, ids = tid.word_vocab(words, parts, n_train, min_freq)
        again = tid.word_ids(text, ["<unk>", *vocab])
    want_vocab, want_ids = _reference(text, level, n_train, min_freq)
    assert vocab == want_vocab
    assert ids.tolist() == want_ids and again.tolist() == want_ids  # training and predict agree
    assert ids.dtype == np.uint8


def test_ids_take_the_smallest_dtype_torch_supports():
    assert [tid.id_dtype(n) for n in (2, 256, 257, 32768, 32769)] == [
        np.uint8,
        np.uint8,
        np.int16,
        np.int16,
        np.int32,
    ]
    text = " ".join(f"w{i}" for i in range(300)) + "\n"
    words, parts = tid.word_stream(text)
    vocab, ids = tid.word_vocab(words, parts, len(words), 1)
    assert len(vocab) == 301 and ids.dtype == np.int16  # 301 words + <unk>, one "\n"
    assert [vocab[i - 1] for i in ids[:3]] == ["w0", "w1", "w2"]


def test_splits_are_views_of_one_stream_and_batches_are_int64(tmp_path):
    (tmp_path / "t.txt").write_text(TEXTS["ascii"] * 5, encoding="utf-8")
    spec = DataSpec(source=str(tmp_path / "t.txt"), task="language_model")
    spec.split = SplitSpec(val_fraction=0.1, test_fraction=0.1)
    d = load_data(spec)
    base = d.train.x.untyped_storage().data_ptr()
    assert all(s.x.untyped_storage().data_ptr() == base for s in (d.val, d.test))
    assert d.train.x.dtype == torch.uint8
    x, y = next(lm_batches(d.train.x, 4, 16))
    assert x.dtype == y.dtype == torch.int64 and torch.equal(x[:, 1:], y[:, :-1])


def _real_text(path: Path, size: int) -> Path:
    """``size`` bytes of the shipped Shakespeare plays, repeated (real text, real vocabulary)."""
    src = SHAKESPEARE.read_bytes()
    path.write_bytes((src * (size // len(src) + 1))[:size])
    return path


def _peak(fn) -> tuple[int, object]:
    """Peak bytes traced while ``fn`` runs. NumPy's buffers and Python objects are traced;
    the tensors here are ``torch.from_numpy`` views (tested above), so nothing is missed."""
    tracemalloc.start()
    try:
        out = fn()
        return tracemalloc.get_traced_memory()[1], out
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("level", "size"), [("char", 4_000_000), ("word", 2_000_000)])
def test_text_lm_memory_stays_under_four_times_the_file(tmp_path, level, size):
    path = _real_text(tmp_path / "big.txt", size)
    spec = DataSpec(source=str(path), task="language_model", text_level=level)
    load_data(DataSpec(source=str(SHAKESPEARE), task="language_model", text_level=level))  # warm
    peak, data = _peak(lambda: load_data(spec))
    assert peak <= 4 * size, f"training data path: {peak / size:.2f}× the file"
    assert data.summary.n_tokens > size // 10
    run = SimpleNamespace(pre=SimpleNamespace(vocab=data.vocab, text_level=level))
    peak, inputs = _peak(lambda: _text(run, read_text(path, "big.txt").text, "big.txt"))
    assert peak <= 4 * size, f"predict input path: {peak / size:.2f}× the file"
    assert np.array_equal(inputs.x[: len(data.train.x)], data.train.x.numpy())
