"""Read a delimited text file into typed columns, with our checks around pandas' parser.

Every message names the file, the line and the column of the first problem: a ragged or
short row, text in a number column, a value beyond float32 (``inf``, ``1e39``), bad bytes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.core.data.csv import engine
from workbench.core.data.csv.lines import cells_at, data_lines
from workbench.core.data.csv.numbers import is_missing, parse_number
from workbench.core.data.csv.sniff import Dialect, delimiter_name, sniff, split_rows
from workbench.core.data.raw import Preview
from workbench.core.errors import DataError

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec

SAMPLE_BYTES = 1 << 16
SAMPLE_LINES = 200
#: A sample holds at least this many lines when the file has them (wide files: 5,000+ columns).
MIN_SAMPLE_LINES = 20
MAX_SAMPLE_BYTES = 64 << 20
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass
class Table:
    names: list[str]
    columns: dict[str, np.ndarray]  # float32 for number columns, object (str) for text
    dialect: Dialect
    path: Path
    preview: Preview = field(default_factory=Preview)
    #: The number columns as one float32 [rows, k] matrix, named in order.
    matrix: np.ndarray | None = None
    matrix_names: list[str] = field(default_factory=list)
    #: (file line, number of fields) of each row: computed when first needed, or given by a
    #: chunked reader (``chunks.iter_tables``) for the rows of its chunk.
    lines: tuple[np.ndarray, np.ndarray] | None = None
    #: Number columns already read as float64 (a chunk's time column), by name.
    exact: dict[str, np.ndarray] = field(default_factory=dict)

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

    def line_fields(self) -> tuple[np.ndarray, np.ndarray]:
        """(file line, number of fields) of every row of this table."""
        if self.lines is None:
            self.lines = data_lines(self.path, self.dialect)
        return self.lines

    def line_of(self, row: int) -> int:
        """The file line (1-based) of data row ``row``."""
        numbers = self.line_fields()[0]
        if 0 <= row < len(numbers):
            return int(numbers[row])
        return row + 1 + (1 if self.dialect.header else 0)

    def exact_column(self, name: str) -> np.ndarray:
        """Number column ``name`` re-read as float64 (float32 holds epoch seconds only to
        about 2 minutes)."""
        if name in self.exact:
            return self.exact[name]
        frame = pd.read_csv(
            self.path,
            usecols=[name],
            dtype="float64",
            na_values=engine.NA_VALUES,
            **engine.reader_options(self.dialect, self.names),
        )
        return frame[name].to_numpy(dtype=np.float64)

    def first_text_cell(self, name: str) -> tuple[int, str] | None:
        """(row, cell) of the first cell of a text column that is not a number."""
        d = self.dialect
        for row, cell in enumerate(self.columns[name]):
            text = str(cell)
            if parse_number(text, d.decimal, d.thousands) is None and not is_missing(text):
                return row, text
        return None


def decode_error(path: Path, where: str) -> DataError:
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
        # A very wide file (thousands of columns) needs more than 64 KB for a few rows.
        while payload.count(b"\n") < MIN_SAMPLE_LINES and len(payload) < MAX_SAMPLE_BYTES:
            more = handle.read(len(payload))
            if not more:
                break
            payload += more
        whole = not handle.read(1)
    if not whole:
        payload = payload[: payload.rfind(b"\n") + 1] or payload
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if whole or exc.start < len(payload) - 4:
            raise decode_error(path, where) from None
        text = payload[: exc.start].decode("utf-8-sig")
    lines = [ln for ln in text.splitlines() if ln.strip()][:SAMPLE_LINES]
    return lines, whole


def _header_is_line_0(path: Path, dialect: Dialect) -> bool:
    """The header is the file's first line, on one line (no quotes that could hold a line
    break), so skipping line 0 skips exactly the header."""
    with path.open("rb") as handle:
        first = handle.readline().removeprefix(b"\xef\xbb\xbf")
    return bool(first.strip()) and not dialect.quoted


def _numeric_by_sample(rows: list[list[str]], n: int, dialect: Dialect) -> list[bool]:
    """A column holds numbers unless its first non-missing sample cell is text."""
    kinds = [True] * n
    decided = [False] * n
    for row in rows:
        for i, cell in enumerate(row[:n]):
            if not decided[i] and not is_missing(cell):
                kinds[i] = parse_number(cell, dialect.decimal, dialect.thousands) is not None
                decided[i] = True
    return kinds


def only_header(where: str) -> DataError:
    return DataError(
        f"{where}: only a header line, no data rows", "add rows of data below the header"
    )


@dataclass
class Layout:
    """What the first lines say about a file: dialect, column names and kinds."""

    dialect: Dialect
    names: list[str]
    kinds: list[bool]  # True: a number column
    bytes_per_row: float
    sample: list[list[str]]  # the first data rows, as cells


def layout(path: Path, spec: DataSpec, where: str) -> Layout:
    """Sniff the dialect, the header and the column kinds from the first lines."""
    if path.stat().st_size == 0:
        raise DataError(f"{where}: the file is empty", "choose a file with data rows")
    lines, _whole = _sample_lines(path, where)
    if not lines:
        raise DataError(
            f"{where}: the file is empty (only blank lines)", "choose a file with data rows"
        )
    dialect, names = sniff(
        lines,
        spec.delimiter,
        spec.decimal,
        getattr(spec, "thousands", "auto"),
        spec.header,
        where,
    )
    rows = split_rows(lines, dialect.delimiter)
    if dialect.header and len(set(rows[0])) < len(rows[0]) and _header_is_line_0(path, dialect):
        dialect = dataclasses.replace(dialect, skip_header_line=True)
    data_rows = rows[1:] if dialect.header else rows
    if not data_rows:
        raise only_header(where)
    kinds = _numeric_by_sample(data_rows, len(names), dialect)
    bytes_per_row = sum(len(s.encode("utf-8")) + 1 for s in lines) / len(lines)
    return Layout(dialect, names, kinds, bytes_per_row, data_rows[:20])


@contextmanager
def parse_errors(path: Path, lay: Layout, where: str) -> Iterator[None]:
    """pandas' parser errors as ``DataError``s naming the line and column."""
    try:
        yield
    except UnicodeDecodeError:
        raise decode_error(path, where) from None
    except pd.errors.ParserError as exc:
        raise _ragged(path, lay.dialect, len(lay.names), where, str(exc)) from None
    except ValueError as exc:
        numeric = [n for n, k in zip(lay.names, lay.kinds) if k]
        found = engine.first_text_cells(path, lay.dialect, lay.names, numeric)
        if found is None:  # e.g. a long row's extra field in a number column (found by fuzz)
            raise _ragged(path, lay.dialect, len(lay.names), where, str(exc)) from None
        row, name, cell = found
        table = Table(lay.names, {}, lay.dialect, path)
        raise DataError(
            f"{where}: line {table.line_of(row)}, column {name!r}: {cell!r} is not a number",
            "fix the cell, or leave the column out (ignore_columns)",
        ) from None


def checked_table(
    path: Path,
    lay: Layout,
    matrix: np.ndarray,
    texts: dict[str, np.ndarray],
    where: str,
    lines: tuple[np.ndarray, np.ndarray] | None = None,
) -> Table:
    """Parsed columns as a ``Table``, refusing short rows and infinite values."""
    numeric = [n for n, k in zip(lay.names, lay.kinds) if k]
    columns = {n: matrix[:, j] for j, n in enumerate(numeric)}
    exact = {n: texts.pop(n) for n in numeric if n in texts}
    columns.update(texts)
    table = Table(
        lay.names,
        {n: columns[n] for n in lay.names},
        lay.dialect,
        path,
        matrix=matrix,
        matrix_names=numeric,
        lines=lines,
        exact=exact,
    )
    _check_rows(table, where)
    _check_finite(table, where)
    table.preview = _preview(lay.sample, lay.names, lay.dialect)
    return table


def read_table(path: Path, spec: DataSpec, where: str) -> Table:
    """Typed columns of a CSV/TSV file; raises ``DataError`` naming the line and column."""
    lay = layout(path, spec, where)
    with parse_errors(path, lay, where):
        matrix, texts = engine.read_columns(
            path, lay.dialect, lay.names, lay.kinds, lay.bytes_per_row
        )
    if len(matrix) == 0:
        raise only_header(where)
    return checked_table(path, lay, matrix, texts, where)


def _preview(rows: list[list[str]], names: list[str], dialect: Dialect) -> Preview:
    cells = [r[: len(names)] for r in rows]
    parsed = [[parse_number(c, dialect.decimal, dialect.thousands) for c in row] for row in cells]
    return Preview(names, cells, parsed)


def _ragged(path: Path, dialect: Dialect, n: int, where: str, message: str) -> DataError:
    m = _RAGGED.search(message)
    if m:
        line, got = int(m[2]), int(m[3])
    else:
        numbers, fields = data_lines(path, dialect)
        bad = np.flatnonzero(fields != n)
        if not bad.size:
            return DataError(
                f"{where}: cannot be read as CSV ({message})", "check quotes and separators"
            )
        line, got = int(numbers[bad[0]]), int(fields[bad[0]])
    return _short_row(line, got, dialect, n, where)


def _short_row(line: int, got: int, dialect: Dialect, n: int, where: str) -> DataError:
    return DataError(
        f"{where}: line {line} has {got} fields, expected {n} "
        f"(separator: {delimiter_name(dialect.delimiter)})",
        "every row needs the same number of columns",
    )


def _check_rows(table: Table, where: str) -> None:
    """pandas fills a short row with NaN; refuse it like a long one."""
    if len(table.names) < 2:
        return
    last = table.columns[table.names[-1]]
    gaps = np.isnan(last) if last.dtype.kind == "f" else (last == "")
    if not gaps.any():
        return
    numbers, fields = table.line_fields()
    bad = np.flatnonzero(fields < len(table.names))
    if bad.size:
        raise _short_row(
            int(numbers[bad[0]]), int(fields[bad[0]]), table.dialect, len(table.names), where
        )


def _check_finite(table: Table, where: str) -> None:
    """inf, -inf, 1e400 and values beyond float32 (1e39) are bad values, never numbers."""
    if table.matrix is None or table.matrix.size == 0:
        return
    with np.errstate(all="ignore"):
        if np.isfinite(np.sum(table.matrix, dtype=np.float64)) or not np.isinf(table.matrix).any():
            return  # a finite sum rules out inf; NaN (missing) makes the sum NaN, so look
    bad_cols = np.flatnonzero(np.isinf(table.matrix).any(axis=0))
    rows = [int(np.argmax(np.isinf(table.matrix[:, j]))) for j in bad_cols]
    k = int(np.argmin(rows))
    row, name = rows[k], table.matrix_names[int(bad_cols[k])]
    line = table.line_of(row)
    cells = cells_at(table.path, table.dialect, line)
    j = table.names.index(name)
    cell = cells[j].strip() if j < len(cells) else "inf"
    raise DataError(
        f"{where}: line {line}, column {name!r}: {cell!r} is "
        + ("infinite" if "inf" in cell.lower() else "too large for float32 (beyond ±3.4e38)"),
        "replace it with a finite number, or leave the cell empty as a missing value",
    )


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
