"""Read a delimited text file into typed columns, fast when it is plain, exact when it is not.

Two paths, picked by measurement (see ``benchmarks/load_csv.py``):

* fast (``csv_fast``, files over 1 MB): pandas' C parser when pandas is installed (0.22x the
  time of ``numpy.loadtxt`` on 10 M rows x 4 columns, 1.5x the float32 result in memory),
  else ``numpy.loadtxt`` chunk by chunk for files that are numbers only;
* careful: Python's ``csv`` module, row by row, which names the line and column of the first
  problem (ragged row, text in a number column, bad bytes). It also runs when the fast path
  fails, so every error message comes from one place.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.data.csv_fast import read_fast
from workbench.core.data.csv_sniff import (
    Dialect,
    delimiter_name,
    is_missing,
    parse_number,
    sniff,
    split_rows,
)
from workbench.core.data.raw import Preview
from workbench.core.errors import DataError

if TYPE_CHECKING:
    from workbench.core.spec import DataSpec

SAMPLE_BYTES = 1 << 16
SAMPLE_LINES = 200
FAST_PATH_BYTES = 1 << 20  # smaller files always take the careful path (it is fast enough)
#: "auto" (pandas when installed, else numpy), "pandas", "numpy" or "careful"; for benchmarks.
PARSER = "auto"


@dataclass
class Table:
    names: list[str]
    columns: dict[str, np.ndarray]  # float32 for number columns, object (str) for text
    dialect: Dialect
    #: File line (1-based) of each data row, when known exactly (careful path); else None and
    #: rows map to lines as header + row + 1.
    lines: np.ndarray | None = None
    preview: Preview = field(default_factory=Preview)
    #: The number columns as one float32 [rows, k] matrix (fast path), named in order.
    matrix: np.ndarray | None = None
    matrix_names: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def numeric_block(self, names: list[str]) -> np.ndarray | None:
        """[rows, len(names)] float32 without a copy when ``names`` are the matrix's columns."""
        if self.matrix is not None and names == self.matrix_names:
            return self.matrix
        return None

    def is_numeric(self, name: str) -> bool:
        return self.columns[name].dtype.kind == "f"

    def line_of(self, row: int) -> int:
        if self.lines is not None:
            return int(self.lines[row])
        return row + 1 + (1 if self.dialect.header else 0)

    def first_text_cell(self, name: str) -> tuple[int, str] | None:
        """(row, cell) of the first cell of a text column that is not a number."""
        for row, cell in enumerate(self.columns[name]):
            if parse_number(str(cell), self.dialect.decimal) is None and not is_missing(str(cell)):
                return row, str(cell)
        return None


def _decode_error(path: Path, where: str) -> DataError:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return DataError(
                    f"{where}: line {number}: bytes that are not UTF-8 (column {exc.start + 1} of the line)",
                    "save the file as UTF-8",
                )
    return DataError(f"{where}: bytes that are not UTF-8", "save the file as UTF-8")


def _sample_lines(path: Path, where: str) -> tuple[list[str], bool]:
    """The first non-blank lines and whether the sample is the whole file."""
    with path.open("rb") as handle:
        payload = handle.read(SAMPLE_BYTES + 1)
    whole = len(payload) <= SAMPLE_BYTES
    if not whole:
        payload = payload[: payload.rfind(b"\n") + 1] or payload
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if whole or exc.start < len(payload) - 4:
            raise _decode_error(path, where) from None
        text = payload[: exc.start].decode("utf-8-sig")
    lines = [ln for ln in text.splitlines() if ln.strip()][:SAMPLE_LINES]
    return lines, whole


def _column_names(first: list[str], n: int, header: bool) -> list[str]:
    if not header:
        return [f"col{i + 1}" for i in range(n)]
    names, seen = [], set()
    for i, cell in enumerate(first):
        name = cell.strip() or f"col{i + 1}"
        base, k = name, 2
        while name in seen:  # duplicate names get a suffix so every column can be chosen
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        names.append(name)
    return names


def _numeric_by_sample(rows: list[list[str]], n: int, decimal: str) -> list[bool]:
    """A column holds numbers unless its first non-missing sample cell is text."""
    kinds = [True] * n
    decided = [False] * n
    for row in rows:
        for i, cell in enumerate(row[:n]):
            if not decided[i] and not is_missing(cell):
                kinds[i] = parse_number(cell, decimal) is not None
                decided[i] = True
    return kinds


def read_table(path: Path, spec: DataSpec, where: str) -> Table:
    """Typed columns of a CSV/TSV file; raises ``DataError`` naming the line and column."""
    if path.stat().st_size == 0:
        raise DataError(f"{where}: the file is empty", "choose a file with data rows")
    lines, whole = _sample_lines(path, where)
    if not lines:
        raise DataError(
            f"{where}: the file is empty (only blank lines)", "choose a file with data rows"
        )
    dialect = sniff(lines, spec.delimiter, spec.decimal, spec.header, where)
    rows = split_rows(lines, dialect.delimiter)
    n_cols = len(rows[0])
    names = _column_names(rows[0], n_cols, dialect.header)
    data_rows = rows[1:] if dialect.header else rows
    if not data_rows:
        raise DataError(
            f"{where}: only a header line, no data rows", "add rows of data below the header"
        )
    kinds = _numeric_by_sample(data_rows, n_cols, dialect.decimal)
    preview = Preview(names, [r[:n_cols] for r in data_rows[:20]])
    table = None
    if not whole and path.stat().st_size >= FAST_PATH_BYTES:
        table = _fast(path, dialect, names, kinds, lines)
    if table is None:
        table = _careful(path, dialect, names, kinds, where)
    table.preview = preview
    return table


def _fast(
    path: Path, dialect: Dialect, names: list[str], kinds: list[bool], sample: list[str]
) -> Table | None:
    if PARSER == "careful":
        return None
    bytes_per_row = sum(len(s.encode("utf-8")) + 1 for s in sample) / max(1, len(sample))
    got = read_fast(path, dialect, names, kinds, bytes_per_row, PARSER)
    if got is None:
        return None
    matrix, texts = got
    numeric = [n for n, k in zip(names, kinds) if k]
    columns = {n: matrix[:, j] for j, n in enumerate(numeric)}
    columns.update(texts)
    return Table(
        names, {n: columns[n] for n in names}, dialect, matrix=matrix, matrix_names=numeric
    )


def _careful(
    path: Path, dialect: Dialect, names: list[str], kinds: list[bool], where: str
) -> Table:
    n = len(names)
    values: list[list] = [[] for _ in range(n)]
    line_numbers: list[int] = []
    nan = float("nan")
    decimal = dialect.decimal
    first = True
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            if dialect.delimiter == " ":
                reader = ((i + 1, ln.split()) for i, ln in enumerate(handle))
            else:
                raw = csv.reader(handle, delimiter=dialect.delimiter)
                reader = ((raw.line_num, row) for row in raw)
            for line, row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                if first:
                    first = False
                    if dialect.header:
                        continue
                if len(row) != n:
                    raise DataError(
                        f"{where}: line {line} has {len(row)} fields, expected {n} "
                        f"(separator: {delimiter_name(dialect.delimiter)})",
                        "every row needs the same number of columns",
                    )
                line_numbers.append(line)
                for i, cell in enumerate(row):
                    if not kinds[i]:
                        values[i].append(cell.strip())
                        continue
                    if is_missing(cell):
                        values[i].append(nan)
                        continue
                    number = parse_number(cell, decimal)
                    if number is None:
                        raise DataError(
                            f"{where}: line {line}, column {names[i]!r}: {cell.strip()!r} is not a number",
                            "fix the cell, or leave the column out (ignore_columns)",
                        )
                    values[i].append(number)
    except UnicodeDecodeError:
        raise _decode_error(path, where) from None
    except csv.Error as exc:
        raise DataError(
            f"{where}: cannot be read as CSV ({exc})", "check quotes and separators"
        ) from None
    if not line_numbers:
        raise DataError(
            f"{where}: only a header line, no data rows", "add rows of data below the header"
        )
    columns = {
        name: np.asarray(col, dtype=np.float32) if kind else np.asarray(col, dtype=object)
        for name, col, kind in zip(names, values, kinds)
    }
    return Table(names, columns, dialect, lines=np.asarray(line_numbers, dtype=np.int64))


def first_missing(table: Table, names: list[str]) -> tuple[int, str | None]:
    """(count, 'line L, column NAME' of the first) missing cells among number columns ``names``."""
    count, best = 0, None
    for name in names:
        col = table.columns[name]
        bad = np.isnan(col)
        k = int(bad.sum())
        if k:
            count += k
            row = int(np.argmax(bad))
            if best is None or row < best[0]:
                best = (row, name)
    where = None if best is None else f"line {table.line_of(best[0])}, column {best[1]!r}"
    return count, where
