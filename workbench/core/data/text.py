"""Text files: UTF-8 decoding (BOM optional, CRLF / CR line endings become ``\\n``), reading a
corpus, and tokenizing it into characters or words. Turning tokens into training data is
``workbench.core.data.prepare.text``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from workbench.core.data.raw import Preview, RawText
from workbench.core.errors import DataError

_WORD = re.compile(r"\w+|[^\w\s]|\n")


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
    if not text.strip():
        raise DataError(f"{where}: the file is empty", "a language model needs some text")
    lines = text.split("\n", 21)[:20]
    return RawText(text=text, preview=Preview(["line"], [[ln] for ln in lines]))


def tokenize(text: str, level: str) -> list[str] | np.ndarray:
    """Characters (as a uint32 code-point array, fast) or words/punctuation/newlines."""
    if level == "char":
        return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return _WORD.findall(text)
