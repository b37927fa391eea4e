"""Text files: UTF-8 decoding (BOM optional, CRLF / CR line endings become ``\\n``), reading a
corpus, and tokenizing it into characters or words. Turning tokens into training data is
``workbench.core.data.prepare.text``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.core.data.raw import Preview, RawText
from workbench.core.data.token_ids import WORD, char_codes
from workbench.core.errors import DataError


def decode_utf8(payload: bytes, where: str) -> str:
    """UTF-8 (BOM optional) → text with '\\n' line endings; bad bytes name their line."""
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = payload.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"{where}: line {line}: bytes that are not UTF-8 (byte {exc.start})",
            "save the file as UTF-8",
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_text(path: Path, where: str) -> RawText:
    text = decode_utf8(path.read_bytes(), where)
    if not text or text.isspace():  # (not strip(): that copies the whole text)
        raise DataError(f"{where}: the file is empty", "a language model needs some text")
    return RawText(text=text, preview=Preview(["line"], [[ln] for ln in head_lines(text, 20)]))


def head_lines(text: str, n: int, width: int = 10_000) -> list[str]:
    """The first ``n`` lines (each cut at ``width`` characters) without copying the rest."""
    lines: list[str] = []
    start = 0
    while len(lines) < n and start <= len(text):
        end = text.find("\n", start, start + width)
        stop = end if end >= 0 else min(len(text), start + width)
        lines.append(text[start:stop])
        if end < 0:
            nxt = text.find("\n", stop)
            if nxt < 0:
                break
            end = nxt
        start = end + 1
    return lines


def tokenize(text: str, level: str) -> list[str] | np.ndarray:
    """Characters (code points, 1–4 bytes each) or words/punctuation/newlines."""
    if level == "char":
        return char_codes(text)
    return WORD.findall(text)
