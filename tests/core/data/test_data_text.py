"""Text corpora for language modelling: vocabulary from train only, <unk>, BOM, line endings."""

from __future__ import annotations

import torch

from workbench.core.data import load_data
from workbench.core.data.batching import lm_batches
from workbench.core.spec.project import DataSpec, SplitSpec


def _lm(src: str, **kw) -> DataSpec:
    return DataSpec(source=src, task="language_model", **kw)


def test_char_vocab_comes_from_the_training_split_only(tmp_path):
    text = "abcabcabcabcabcabcabc" + "xyz"  # x, y, z only in the last part
    (tmp_path / "c.txt").write_text(text, encoding="utf-8")
    d = load_data(
        _lm(str(tmp_path / "c.txt"), split=SplitSpec(val_fraction=0.0, test_fraction=0.125))
    )
    assert d.vocab == ["<unk>", "a", "b", "c"]
    assert d.output_size == 4 and len(d.train) == 21 and len(d.test) == 3
    assert d.test.x.tolist() == [0, 0, 0]
    assert d.decode(d.train.x[:6]) == "abcabc"
    assert d.train.y is None and d.train.x.dtype == torch.uint8  # 4 ids: one byte each


def test_bom_and_line_endings_are_normalised(tmp_path):
    body = "line one\r\nline two\rline three\n" * 5
    (tmp_path / "b.txt").write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    d = load_data(
        _lm(str(tmp_path / "b.txt"), split=SplitSpec(val_fraction=0.0, test_fraction=0.0))
    )
    assert "\r" not in d.vocab and "\ufeff" not in d.vocab
    assert d.decode(d.train.x).startswith("line one\nline two\nline three\n")
    assert len(d.train) == len(body.replace("\r\n", "\n").replace("\r", "\n"))


def test_word_level_with_min_freq(tmp_path):
    text = ("the cat sat on the mat . the dog sat .\n" * 10) + "a zebra appeared ."
    (tmp_path / "w.txt").write_text(text, encoding="utf-8")
    d = load_data(
        _lm(
            str(tmp_path / "w.txt"),
            text_level="word",
            min_freq=10,
            split=SplitSpec(val_fraction=0.0, test_fraction=0.05),
        )
    )
    assert d.vocab[0] == "<unk>" and d.vocab[1] == "the"  # most frequent first
    assert "cat" in d.vocab and "zebra" not in d.vocab
    assert d.decode(d.train.x[:4]) == "the cat sat on"


def test_non_ascii_characters_round_trip(tmp_path):
    text = "naïve café — 東京\n" * 20
    (tmp_path / "u.txt").write_text(text, encoding="utf-8")
    d = load_data(
        _lm(str(tmp_path / "u.txt"), split=SplitSpec(val_fraction=0.0, test_fraction=0.0))
    )
    assert d.decode(d.train.x) == text


def test_shipped_shakespeare_feeds_truncated_bptt():
    d = load_data(_lm("resource:shakespeare.txt"))
    assert d.summary.n_tokens > 300_000 and 40 < len(d.vocab) < 100
    x, y = next(lm_batches(d.train.x, 64, 128))
    assert x.shape == (64, 128) and torch.equal(x[:, 1:], y[:, :-1])
