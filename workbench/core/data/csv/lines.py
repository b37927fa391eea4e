"""Which file line each data row came from, and how many fields it has.

Computed only when a message needs a line number or a row may be short (pandas fills a short
row with NaN without a word): a vectorized byte scan for plain files (about 1 s per 400 MB),
Python's csv module when quotes may hide separators or line breaks.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from workbench.core.data.csv.sniff import Dialect

CHUNK_BYTES = 16 << 20
PYTHON_BLOCK_ROWS = 1 << 16
#: Bytes scanned at a time for a chunked reader (~25 MB of temporaries).
CURSOR_BYTES = 1 << 20


def _scan_block(buf: bytes, delimiter: int, first_line: int) -> tuple[np.ndarray, np.ndarray]:
    arr = np.frombuffer(buf, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    starts = np.concatenate([[0], ends[:-1] + 1])
    delims = np.concatenate([[0], np.cumsum(arr == delimiter, dtype=np.int64)])
    space = (arr == 32) | (arr == 9) | (arr == 13) | (arr == 10)
    solid = np.concatenate([[0], np.cumsum(~space, dtype=np.int64)])
    fields = delims[ends] - delims[starts] + 1
    keep = (solid[ends] - solid[starts]) > 0
    numbers = first_line + np.arange(len(ends), dtype=np.int64)
    return numbers[keep], fields[keep]


def _scan_bytes(
    path: Path, delimiter: str, block_bytes: int = CHUNK_BYTES
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    code = ord(delimiter)
    line, carry = 1, b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(block_bytes)
            if not block:
                if carry.strip():
                    yield _scan_block(carry + b"\n", code, line)
                break
            block = carry + block
            cut = block.rfind(b"\n") + 1
            carry = block[cut:]
            if cut:
                found = _scan_block(block[:cut], code, line)
                line += block.count(b"\n", 0, cut)
                yield found


def _scan_python(path: Path, delimiter: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    numbers: list[int] = []
    fields: list[int] = []
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        if delimiter == " ":
            for i, text in enumerate(handle):
                cells = text.split()
                if cells:
                    numbers.append(i + 1)
                    fields.append(len(cells))
                if len(numbers) >= PYTHON_BLOCK_ROWS:
                    yield np.asarray(numbers, np.int64), np.asarray(fields, np.int64)
                    numbers, fields = [], []
        else:
            reader = csv.reader(handle, delimiter=delimiter)
            start = 1
            for row in reader:
                if row and not (len(row) == 1 and not row[0].strip()):
                    numbers.append(start)
                    fields.append(len(row))
                start = reader.line_num + 1
                if len(numbers) >= PYTHON_BLOCK_ROWS:
                    yield np.asarray(numbers, np.int64), np.asarray(fields, np.int64)
                    numbers, fields = [], []
    yield np.asarray(numbers, np.int64), np.asarray(fields, np.int64)


def iter_data_lines(
    path: Path, dialect: Dialect, block_bytes: int = CHUNK_BYTES
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``data_lines`` block by block (memory bounded by a block, not the file; the scan
    holds ~25 bytes per byte of a block, so a chunked reader passes small blocks)."""
    plain = not dialect.quoted and dialect.delimiter != " "
    if plain:
        blocks = _scan_bytes(path, dialect.delimiter, block_bytes)
    else:
        blocks = _scan_python(path, dialect.delimiter)
    skip = 1 if dialect.header else 0
    for numbers, fields in blocks:
        if skip and len(numbers):
            numbers, fields, skip = numbers[1:], fields[1:], 0
        if len(numbers):
            yield numbers, fields


class LineCursor:
    """The (file line, number of fields) of the next ``k`` data rows, for a file read in
    chunks: each chunk's rows get their own line numbers without scanning the whole file."""

    def __init__(self, path: Path, dialect: Dialect) -> None:
        self._blocks = iter_data_lines(path, dialect, CURSOR_BYTES)
        self._numbers = np.zeros(0, np.int64)
        self._fields = np.zeros(0, np.int64)

    def take(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        while len(self._numbers) < k:
            more = next(self._blocks, None)
            if more is None:
                break
            self._numbers = np.concatenate([self._numbers, more[0]])
            self._fields = np.concatenate([self._fields, more[1]])
        numbers, fields = self._numbers[:k], self._fields[:k]
        self._numbers, self._fields = self._numbers[k:], self._fields[k:]
        return numbers, fields


def data_lines(path: Path, dialect: Dialect) -> tuple[np.ndarray, np.ndarray]:
    """(file line, number of fields) of every data row, the header line left out."""
    blocks = list(iter_data_lines(path, dialect))
    if not blocks:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks])


def cells_at(path: Path, dialect: Dialect, line: int) -> list[str]:
    """The cells of file line ``line`` (1-based), as written."""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        if dialect.delimiter == " ":
            for i, text in enumerate(handle, start=1):
                if i == line:
                    return text.split()
            return []
        reader = csv.reader(handle, delimiter=dialect.delimiter)
        start = 1
        for row in reader:
            if start == line:
                return row
            start = reader.line_num + 1
    return []
