"""A CSV/TSV file as a sequence of ``Table``s of a bounded number of rows, for work that
never needs the whole file at once (``workbench predict`` on a large file).

Every chunk is checked like a whole file (short rows, text in number columns, infinite
values) and knows the file lines of its rows, so messages name the same lines as
``read_table``'s.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.data.csv import engine
from workbench.core.data.csv.lines import LineCursor
from workbench.core.data.csv.table import (
    Layout,
    Table,
    checked_table,
    layout,
    only_header,
    parse_errors,
)

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec


class NotStreamable(Exception):
    """The file cannot be handled chunk by chunk (e.g. its rows are not in time order):
    the caller reads it whole instead. Not a user error."""


def iter_tables(
    path: Path, spec: DataSpec, where: str, chunk_rows: int, lay: Layout | None = None
) -> Iterator[Table]:
    """Tables of at most ``chunk_rows`` rows, in file order."""
    lay = lay or layout(path, spec, where)
    cursor = LineCursor(path, lay.dialect)
    total = 0
    time = getattr(spec, "time_column", None)
    numeric = {n for n, k in zip(lay.names, lay.kinds) if k}
    exact = (time,) if time in numeric else ()  # as ``Table.exact_column`` reads it
    with parse_errors(path, lay, where), warnings.catch_warnings(), np.errstate(all="ignore"):
        # As in ``engine.read_columns``: 1e39 overflows the float32 cast with a warning; the
        # table check refuses the value with its line instead.
        warnings.simplefilter("ignore", RuntimeWarning)
        for block, texts in engine.chunks(
            path, lay.dialect, lay.names, lay.kinds, chunk_rows, exact
        ):
            if not len(block):
                continue
            lines = cursor.take(len(block))
            total += len(block)
            yield checked_table(path, lay, block, texts, where, lines)
    if total == 0:
        raise only_header(where)


def rows_of(table: Table, rows: slice) -> Table:
    """The rows ``rows`` of ``table`` (views, no copy)."""
    lines = None if table.lines is None else (table.lines[0][rows], table.lines[1][rows])
    return Table(
        table.names,
        {n: c[rows] for n, c in table.columns.items()},
        table.dialect,
        table.path,
        table.preview,
        None if table.matrix is None else table.matrix[rows],
        table.matrix_names,
        lines,
        {n: c[rows] for n, c in table.exact.items()},
    )


def joined(first: Table, second: Table) -> Table:
    """``first``'s rows followed by ``second``'s (consecutive chunks of one file)."""
    lines = None
    if first.lines is not None and second.lines is not None:
        lines = tuple(np.concatenate([a, b]) for a, b in zip(first.lines, second.lines))
    matrix = None
    if first.matrix is not None and second.matrix is not None:
        matrix = np.concatenate([first.matrix, second.matrix])
    columns = {n: np.concatenate([first.columns[n], second.columns[n]]) for n in first.names}
    if matrix is not None:  # number columns stay views of the one matrix
        columns.update({n: matrix[:, j] for j, n in enumerate(first.matrix_names)})
    return Table(
        first.names,
        columns,
        first.dialect,
        first.path,
        first.preview,
        matrix,
        first.matrix_names,
        lines,  # type: ignore[arg-type]
        {n: np.concatenate([c, second.exact[n]]) for n, c in first.exact.items()},
    )
