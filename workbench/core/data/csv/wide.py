"""Wide CSV/TSV: rows are time steps, columns are variables (plus an optional time column).

Becomes one series for windowing. Defaults: a text first column is the time column, the target
is the last number column, features are the other number columns (for forecasting the target's
own past is a feature too).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.data.csv import columns as cols
from workbench.core.data.csv.chunks import NotStreamable
from workbench.core.data.csv.table import Table, first_missing, read_table
from workbench.core.data.csv.timecol import time_keys, time_order
from workbench.core.data.raw import RawSeries
from workbench.core.errors import DataError
from workbench.core.spec.task import Task

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec


def _order(
    table: Table, name: str, explicit: bool, where: str, notes: list[str], keep_order: bool
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(rows in time order (None: the file's order is time order), the time keys), with notes.
    ``keep_order``: rows out of time order raise ``NotStreamable`` instead of being sorted."""
    keys = time_keys(table, name, where)
    if keys is None:
        found = table.first_text_cell(name) or (0, str(table.columns[name][0]))
        cell = str(table.columns[name][found[0]])
        if explicit:
            raise DataError(
                f"{where}: line {table.line_of(found[0])}, time column {name!r}: {cell!r} is "
                "neither a date/time nor a number",
                "write times as YYYY-MM-DD[ HH:MM[:SS]], or numbers such as epoch seconds",
            )
        notes.append(
            f"column {name!r} holds text that is not dates: used as the time column, "
            "rows kept in file order"
        )
        return None, None
    notes.append(f"column {name!r} holds the time ({keys.described})")
    order = time_order(table, name, keys, where)
    if keep_order and order.rows is not None:
        raise NotStreamable(f"rows are not in time order (column {name!r})")
    notes.extend(order.notes)
    return order.rows, keys.keys


def _in_order(column: np.ndarray, order: np.ndarray | None) -> np.ndarray:
    return column if order is None else column[order]


def read_wide_csv(
    path: Path,
    spec: DataSpec,
    where: str,
    progress: Callable[[float], None] | None = None,
    labels: bool = True,
) -> RawSeries:
    """One series from a wide CSV. ``labels=False``: the file holds no target columns (new
    data to predict from); features are chosen as if the targets were not there."""
    table = read_table(path, spec, where)
    if progress:
        progress(0.6)
    return series_from_table(table, spec, where, labels)[0]


def series_from_table(
    table: Table, spec: DataSpec, where: str, labels: bool = True, keep_order: bool = False
) -> tuple[RawSeries, np.ndarray | None]:
    """The series of ``table`` and the time keys of its rows (None without a time column).
    ``keep_order`` (a chunk of a file): rows out of time order raise ``NotStreamable``."""
    ignored = {cols.find(table, n, "ignored", where) for n in spec.ignore_columns}
    notes: list[str] = []
    left_out: list[str] = []
    time_col = cols.find(table, spec.time_column, "time", where) if spec.time_column else None
    explicit = time_col is not None
    if time_col is None and not table.is_numeric(table.names[0]) and len(table.names) > 1:
        time_col = table.names[0]
    order, keys = (
        _order(table, time_col, explicit, where, notes, keep_order) if time_col else (None, None)
    )
    taken = ignored | ({time_col} if time_col else set())
    if not labels:
        targets: list[str] = []
    elif spec.target_columns:
        targets = [cols.find(table, n, "target", where) for n in spec.target_columns]
    else:
        candidates = [n for n in table.names if n not in taken and table.is_numeric(n)]
        if not candidates:
            raise DataError(f"{where}: no number column to predict", "set target_columns")
        targets = [candidates[-1]]
    if spec.feature_columns:
        features = [cols.find(table, n, "feature", where) for n in spec.feature_columns]
    else:
        exclude = taken | (set(targets) if spec.task != Task.FORECASTING else set())
        features = [n for n in table.names if n not in exclude and table.is_numeric(n)]
        left_out = [n for n in table.names if n not in exclude and not table.is_numeric(n)]
    if not features:
        raise DataError(
            f"{where}: no feature columns left (targets: {', '.join(targets)})",
            "set feature_columns, or use task 'forecasting' to learn from the target's past",
        )
    used = list(dict.fromkeys(features + targets))
    values = table.numeric_block(used)
    if values is None:
        values = np.empty((table.n_rows, len(used)), dtype=np.float32)
        for j, name in enumerate(used):
            role = "target" if name in targets and name not in features else "feature"
            values[:, j] = cols.numeric(table, name, role, where)
    if order is not None:
        values = values[order]  # a copy in time order; messages still name the file's lines
    count, first = (
        first_missing(table, used) if all(table.is_numeric(n) for n in used) else (0, None)
    )
    position = {n: j for j, n in enumerate(used)}  # (list.index per column: quadratic)
    raw = RawSeries(
        values=values,
        columns=used,
        feature_idx=[position[n] for n in features],
        target_idx=[position[n] for n in targets],
        missing_count=count,
        first_missing=first,
        notes=notes,
        time_values=_in_order(table.columns[time_col], order) if time_col else None,
    )
    raw.preview = table.preview  # the file's own cells, as written
    if not spec.feature_columns:
        raw.dropped = {n: cols.why_text(table, n) for n in left_out}
    return raw, keys
