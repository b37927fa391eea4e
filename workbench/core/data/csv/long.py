"""Long CSV: one row per (sequence id, time step) → variable-length sequences.

The label column (``target_columns[0]``) holds one label per sequence (it must not change
inside a sequence) or, for task 'tagging', one label per step. Rows are ordered by the time
column when there is one, else kept in file order; sequences keep the order they first appear.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.data.csv import columns as cols
from workbench.core.data.csv.table import Table, first_missing, read_table
from workbench.core.data.csv.timecol import time_keys
from workbench.core.data.raw import RawSequences
from workbench.core.errors import DataError
from workbench.core.spec.task import Task

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec


def _order_key(table: Table, name: str, where: str) -> np.ndarray:
    keys = time_keys(table, name, where)
    if keys is None:
        found = table.first_text_cell(name) or (0, str(table.columns[name][0]))
        raise DataError(
            f"{where}: line {table.line_of(found[0])}, time column {name!r}: "
            f"{str(table.columns[name][found[0]])!r} is neither a date/time nor a number",
            "write times as YYYY-MM-DD[ HH:MM[:SS]], or numbers such as step counts",
        )
    return keys.keys


def _check_order(
    table: Table, name: str, key: np.ndarray, group: np.ndarray, order: np.ndarray, where: str
) -> list[str]:
    """Refuse two rows of one sequence at the same time; say when rows were reordered."""
    same = np.flatnonzero((np.diff(group[order]) == 0) & (np.diff(key[order]) == 0))
    if same.size:
        a, b = sorted((int(order[same[0]]), int(order[same[0] + 1])))
        raise DataError(
            f"{where}: lines {table.line_of(a)} and {table.line_of(b)} have the same time "
            f"{str(table.columns[name][a]).strip()!r} in column {name!r} within one sequence",
            "remove or merge the duplicate rows",
        )
    by_group = np.lexsort((np.arange(len(group)), group))
    if not np.array_equal(by_group, order):
        return [f"rows sorted by time column {name!r} within each sequence"]
    return []


def sequences_from_table(
    table: Table, spec: DataSpec, where: str, labels: bool = True
) -> RawSequences:
    """The sequences of ``table``; ``labels=False``: the file has no label column (new data
    to predict), ``y`` is None."""
    if not spec.id_column:
        raise DataError(f"{where}: a long CSV needs the sequence id column", "set id_column")
    id_col = cols.find(table, spec.id_column, "id", where)
    if labels and not spec.target_columns:
        raise DataError(
            f"{where}: no label column chosen", "set target_columns to the label column"
        )
    label_col = cols.find(table, spec.target_columns[0], "label", where) if labels else None
    time_col = cols.find(table, spec.time_column, "time", where) if spec.time_column else None
    ignored = {cols.find(table, n, "ignored", where) for n in spec.ignore_columns}
    taken = ignored | {id_col} | ({label_col} if label_col else set())
    taken |= {time_col} if time_col else set()
    if spec.feature_columns:
        features = [cols.find(table, n, "feature", where) for n in spec.feature_columns]
    else:
        features = [n for n in table.names if n not in taken and table.is_numeric(n)]
    left_out = [n for n in table.names if n not in taken and n not in features]
    if not features:
        raise DataError(f"{where}: no feature columns", "set feature_columns")
    x_flat = np.stack([cols.numeric(table, n, "feature", where) for n in features], axis=1)
    ids = table.columns[id_col]
    ids_text = ids.astype(str) if ids.dtype.kind != "f" else np.char.mod("%g", ids)
    uniq, first_row, group = np.unique(ids_text, return_index=True, return_inverse=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(first_row, kind="stable")] = np.arange(len(uniq))  # first-appearance order
    group = rank[group]
    rows = np.arange(len(group))
    key = _order_key(table, time_col, where) if time_col else rows
    order = np.lexsort((rows, key, group))
    notes = _check_order(table, time_col, key, group, order, where) if time_col else []
    group, x_flat = group[order], x_flat[order]
    lengths = np.bincount(group, minlength=len(uniq)).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pos = np.arange(len(group)) - starts[group]
    n, steps = len(uniq), int(lengths.max())
    x = np.zeros((n, steps, len(features)), dtype=np.float32)
    x[group, pos] = x_flat
    names_in_order = [str(v) for v in uniq[np.argsort(rank)]]
    line_of = [table.line_of(int(r)) for r in order[starts]]
    origins = [f"sequence {names_in_order[i]!r} (line {line_of[i]})" for i in range(n)]
    y = None
    if label_col is not None:
        y = _labels(table, label_col, order, (group, pos, starts), names_in_order, spec, where)
    count, first = first_missing(table, features)
    raw = RawSequences(
        x=x,
        lengths=lengths,
        y=y,
        feature_names=features,
        target_names=[label_col] if label_col else [],
        origins=origins,
        missing_count=count,
        first_missing=first,
        notes=notes,
        dropped={} if spec.feature_columns else {n: cols.why_text(table, n) for n in left_out},
    )
    raw.preview = table.preview
    return raw


def _labels(
    table: Table,
    label_col: str,
    order: np.ndarray,
    layout: tuple[np.ndarray, np.ndarray, np.ndarray],
    names_in_order: list[str],
    spec: DataSpec,
    where: str,
) -> np.ndarray:
    """One label per sequence (or per step for tagging), refusing a label that changes.
    ``layout``: (sequence, step, first row) of every row in ``order``."""
    group, pos, starts = layout
    labels = table.columns[label_col][order]
    n, steps = len(starts), int(pos.max()) + 1 if len(pos) else 0
    if spec.task == Task.TAGGING:
        y = np.empty((n, steps), dtype=object)
        y[:] = labels[starts][:, None]  # padding repeats a real label; the mask hides it
        y[group, pos] = labels
    else:
        y = labels[starts]
        text = labels.astype(str)
        changed = np.flatnonzero(text != text[starts][group])
        if changed.size:
            r = int(changed[0])
            raise DataError(
                f"{where}: line {table.line_of(int(order[r]))}: the label of sequence "
                f"{names_in_order[group[r]]!r} changes inside the sequence",
                "use task 'tagging' for one label per step",
            )
        if y.dtype == object:
            y = np.array(list(y), dtype=object)
    return y


def read_long_csv(
    path: Path, spec: DataSpec, where: str, test_path: Path | None = None, labels: bool = True
) -> RawSequences:
    raw = sequences_from_table(read_table(path, spec, where), spec, where, labels)
    if test_path is not None:
        test = read_table(test_path, spec, str(test_path))
        raw.test = sequences_from_table(test, spec, str(test_path), labels)
    return raw
