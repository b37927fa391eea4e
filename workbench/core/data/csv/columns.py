"""Choosing columns by name: roles (features, targets, id, time), with messages that list
what the file has."""

from __future__ import annotations

import numpy as np

from workbench.core.data.csv.table import Table
from workbench.core.errors import DataError


def find(table: Table, name: str, role: str, where: str) -> str:
    if name in table.columns:
        return name
    lowered = {n.lower(): n for n in table.names}
    if name.lower() in lowered:
        return lowered[name.lower()]
    shown = ", ".join(repr(n) for n in table.names[:20])
    raise DataError(f"{where}: {role} column {name!r} not found", f"columns in the file: {shown}")


def numeric(table: Table, name: str, role: str, where: str) -> np.ndarray:
    """A number column; a text column named for numbers is refused at its first text cell."""
    col = table.columns[name]
    if col.dtype.kind == "f":
        return col
    found = table.first_text_cell(name)
    if found is None:  # every cell was a number after all (e.g. the sample was all blank)
        return np.asarray([float(v) if v not in ("", None) else np.nan for v in col], np.float32)
    row, cell = found
    raise DataError(
        f"{where}: line {table.line_of(row)}, column {name!r}: {cell!r} is not a number "
        f"(the {role} column must hold numbers)",
        "choose number columns, or leave this one out (ignore_columns)",
    )


def why_text(table: Table, name: str) -> str:
    """Why a column was left out: its first cell that is not a number, with the line."""
    found = table.first_text_cell(name)
    if found is None:
        return "text"
    row, cell = found
    return f"text (line {table.line_of(row)}: {cell!r})"
