"""Token ids of a text corpus in little memory: characters or words → the smallest integer dtype.

A language model's token stream is the whole file, so every byte per token counts: the first
version held int64 ids plus several int64 temporaries and needed ~47× the file size. Here the
ids take 1, 2 or 4 bytes (``uint8`` / ``int16`` / ``int32``, as the vocabulary allows); the
text is read in slices of ``CHUNK`` characters, so no full-length code-point array or int64
temporary exists beside the text and the ids (NumPy's ``bincount`` and fancy indexing cast
their input to int64 first, so they only ever see one slice). Training widens each batch to
int64 where the embedding and the loss need it (``batching.lm_batches``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np

#: Tokens per chunk of the full-length passes: 64 Ki tokens → ≤ 512 KiB of int64 temporaries.
CHUNK = 1 << 16
#: Characters per slice of the text split into words: ~15 Ki Python strings (~60 bytes each).
_WORD_CHUNK = 1 << 16

WORD = re.compile(r"\w+|[^\w\s]|\n")
_SPACE = re.compile(r"\s")


def id_dtype(vocab_size: int) -> np.dtype:
    """The smallest dtype holding ids ``0 … vocab_size - 1`` that torch fully supports:
    its uint16 has only "bare-bones" kernels (pytorch#58734), so 2 bytes means int16."""
    if vocab_size <= 1 << 8:
        return np.dtype(np.uint8)
    if vocab_size <= 1 << 15:
        return np.dtype(np.int16)
    return np.dtype(np.int32)


def char_codes(text: str) -> np.ndarray:
    """The code points of ``text`` (uint8 when it is ASCII, else uint32)."""
    if text.isascii():  # the common case: one copy of the bytes, viewed
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    # surrogatepass: a lone surrogate (possible in a typed prime) is a code point like any other
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _code_chunks(text: str, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
    """The code points of ``text[start:stop]``, ``CHUNK`` characters at a time: no full-length
    code array beside the text and the ids."""
    stop = len(text) if stop is None else stop
    for a in range(start, stop, CHUNK):
        yield char_codes(text[a : min(stop, a + CHUNK)])


def _add_counts(totals: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``totals`` (indexed by code point, grown as needed) plus the counts of ``codes``."""
    counts = np.bincount(codes, minlength=len(totals))
    counts[: len(totals)] += totals
    return counts


def char_vocab(text: str, n_train: int, min_freq: int) -> tuple[list[str], np.ndarray]:
    """Characters seen ≥ ``min_freq`` times in the first ``n_train`` characters (by code point,
    after ``<unk>`` = id 0), and the ids of all characters (id 0 for the others)."""
    totals = np.zeros(128, dtype=np.int64)
    for codes in _code_chunks(text, 0, n_train):
        totals = _add_counts(totals, codes)
    kept = np.flatnonzero(totals >= max(1, min_freq))
    vocab = [chr(int(c)) for c in kept]
    table = np.zeros(len(totals), dtype=id_dtype(len(vocab) + 1))
    table[kept] = np.arange(1, len(kept) + 1)
    return vocab, _char_lookup(text, table)


def char_ids(text: str, vocab: Sequence[str]) -> np.ndarray:
    """Ids of the characters of ``text`` in a trained vocabulary (entries that are not one
    character, such as ``<unk>``, match nothing; unknown characters get id 0)."""
    pos = [(ord(t), i) for i, t in enumerate(vocab) if len(t) == 1]
    table = np.zeros(max([p for p, _ in pos], default=0) + 1, dtype=id_dtype(len(vocab)))
    for p, i in pos:
        table[p] = i
    return _char_lookup(text, table)


def _char_lookup(text: str, table: np.ndarray) -> np.ndarray:
    """``table[code]`` for every character (0 past the table's end), chunk by chunk."""
    ids = np.empty(len(text), dtype=table.dtype)
    at, last = 0, np.int64(len(table) - 1)  # (a NumPy int: it may not fit a uint8 chunk)
    for codes in _code_chunks(text):
        part = table[np.minimum(codes, last)]
        part[codes > last] = 0
        ids[at : at + len(codes)] = part
        at += len(codes)
    return ids


def lookup(table: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``table[keys]`` chunk by chunk (the index is cast to int64 one chunk at a time)."""
    out = np.empty(len(keys), dtype=table.dtype)
    for start in range(0, len(keys), CHUNK):
        out[start : start + CHUNK] = table[keys[start : start + CHUNK]]
    return out


def word_spans(text: str, size: int = _WORD_CHUNK) -> Iterator[tuple[int, int]]:
    """(start, end) slices of ``text`` of about ``size`` characters, each ending just after a
    whitespace character, which no token contains (``\\n`` is a token of its own)."""
    start, n = 0, len(text)
    while start < n:
        m = _SPACE.search(text, min(n, start + size))
        end = m.end() if m else n
        yield start, end
        start = end


def word_stream(text: str) -> tuple[list[str], list[np.ndarray]]:
    """Words, punctuation and newlines of ``text``: the distinct tokens in order of first
    appearance, and every token's index in that list (int32, one array per slice of text).

    Provisional ids let the split point and the training counts come from ``bincount``
    instead of one Python string per token (~60 bytes each).
    """
    index: dict[str, int] = {}
    parts: list[np.ndarray] = []
    for a, b in word_spans(text):
        tokens = WORD.findall(text, a, b)
        parts.append(np.fromiter((index.setdefault(w, len(index)) for w in tokens), np.int32))
    return list(index), parts


def word_vocab(
    words: list[str], parts: list[np.ndarray], n_train: int, min_freq: int
) -> tuple[list[str], np.ndarray]:
    """The training split's tokens seen ≥ ``min_freq`` times, most frequent first (ties
    alphabetical), and the ids of all tokens (0 for the others); ``parts`` is emptied."""
    counts = np.zeros(len(words), dtype=np.int64)
    left = n_train
    for part in parts:
        if left <= 0:
            break
        counts += np.bincount(part[:left], minlength=len(words))
        left -= len(part)
    kept = sorted(
        (int(p) for p in np.flatnonzero(counts >= max(1, min_freq))),
        key=lambda p: (-counts[p], words[p]),
    )
    table = np.zeros(len(words), dtype=id_dtype(len(kept) + 1))
    table[kept] = np.arange(1, len(kept) + 1)
    ids = np.empty(sum(len(p) for p in parts), dtype=table.dtype)
    start = 0
    while parts:  # each provisional part is dropped once mapped
        part = parts.pop(0)
        ids[start : start + len(part)] = lookup(table, part)
        start += len(part)
    return [words[p] for p in kept], ids


def word_ids(text: str, vocab: Sequence[str]) -> np.ndarray:
    """Ids of the words of ``text`` in a trained vocabulary (unknown words get id 0)."""
    index = {w: i for i, w in enumerate(vocab)}
    dtype = id_dtype(len(vocab))
    parts = [
        np.fromiter((index.get(w, 0) for w in WORD.findall(text, a, b)), dtype)
        for a, b in word_spans(text)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype)
