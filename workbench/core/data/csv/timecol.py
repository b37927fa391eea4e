"""The time column: read as dates/times (or numbers), put rows in time order, check spacing.

A file sorted newest-first (finance and logger exports) must not be windowed in file order:
a chronological split would then train on the future and test on the past. Rows are sorted
ascending (stable) with a note; two rows with the same time are refused with both lines.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.core.data.csv.numbers import is_missing
from workbench.core.data.csv.table import Table
from workbench.core.errors import DataError

#: Tried in order; the first that reads every cell wins. Day-first and month-first both
#: reading every cell with different orders is an error, not a guess.
FORMATS = (
    ("ISO8601", "ISO 8601"),
    ("%m/%d/%Y", "month/day/year"),
    ("%d/%m/%Y", "day/month/year"),
    ("%d.%m.%Y", "day.month.year"),
    ("%m/%d/%Y %H:%M", "month/day/year hour:minute"),
    ("%d/%m/%Y %H:%M", "day/month/year hour:minute"),
    ("%d.%m.%Y %H:%M", "day.month.year hour:minute"),
    ("%d.%m.%Y %H:%M:%S", "day.month.year hh:mm:ss"),
    ("%Y/%m/%d", "year/month/day"),
)


@dataclass
class TimeKeys:
    """Sortable keys of a time column and the unit their differences are in."""

    keys: np.ndarray  # float64, one per row
    unit: str  # "months", "seconds" or "" (plain numbers)
    described: str  # how the cells were read, for notes


@dataclass
class Order:
    rows: np.ndarray | None  # None: the file is already in time order
    notes: list[str] = field(default_factory=list)


def _parse(cells: pd.Series, fmt: str) -> pd.Series | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            got = pd.to_datetime(cells, format=fmt, errors="coerce", utc=True)
        except (ValueError, TypeError, OverflowError):
            return None
    return None if got.isna().any() else got


def _datetime_keys(text: np.ndarray, name: str, table: Table, where: str) -> TimeKeys | None:
    cells = pd.Series(text, dtype=object).astype(str).str.strip()
    found: list[tuple[pd.Series, str]] = []
    for fmt, label in FORMATS:
        got = _parse(cells, fmt)
        if got is not None:
            found.append((got, label))
    if not found:
        return None
    got, label = found[0]
    if len(found) > 1 and "month/day" in label and "day/month" in found[1][1]:
        other = found[1][0]
        if not np.array_equal(
            np.argsort(got.to_numpy(), kind="stable"), np.argsort(other.to_numpy(), kind="stable")
        ):
            row = int(np.flatnonzero((got != other).to_numpy())[0])
            raise DataError(
                f"{where}: time column {name!r}: {cells.iloc[row]!r} (line {table.line_of(row)}) "
                "reads as month/day/year and as day/month/year, and the two orders differ",
                "write the dates as YYYY-MM-DD",
            )
    stamps = got.dt.tz_convert(None)
    month_start = bool(
        ((stamps.dt.day == 1) & (stamps.dt.hour == 0) & (stamps.dt.minute == 0)).all()
    )
    if month_start:
        keys = (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(dtype=np.float64)
        return TimeKeys(keys, "months", f"dates ({label})")
    keys = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
    return TimeKeys(keys.astype(np.float64), "seconds", f"dates ({label})")


def time_keys(table: Table, name: str, where: str) -> TimeKeys | None:
    """Keys of column ``name``: numbers (e.g. epoch seconds, step numbers) or parsed dates.

    None when the column is text that no date format reads.
    """
    col = table.columns[name]
    if col.dtype.kind == "f":
        if np.isnan(col).any():
            row = int(np.argmax(np.isnan(col)))
            raise DataError(
                f"{where}: line {table.line_of(row)}: the time column {name!r} is empty",
                "every row needs its time",
            )
        keys = table.exact_column(name)
        epoch = bool(len(keys) and keys.min() > 1e8 and keys.max() < 1e10)
        return TimeKeys(keys, "seconds" if epoch else "", "epoch seconds" if epoch else "numbers")
    gaps = np.asarray([is_missing(str(c)) for c in col]) if len(col) < 100_000 else None
    if gaps is not None and gaps.any():
        row = int(np.argmax(gaps))
        raise DataError(
            f"{where}: line {table.line_of(row)}: the time column {name!r} is empty",
            "every row needs its time",
        )
    return _datetime_keys(col, name, table, where)


def _step(value: float, unit: str) -> str:
    if unit == "months":
        return f"{value:g} month" + ("" if value == 1 else "s")
    if unit == "seconds":
        for size, word in ((86400, "day"), (3600, "hour"), (60, "minute")):
            if value >= size and value % size == 0:
                n = value / size
                return f"{n:g} {word}" + ("" if n == 1 else "s")
        return f"{value:g} s"
    return f"{value:g}"


def time_order(table: Table, name: str, keys: TimeKeys, where: str) -> Order:
    """Stable ascending order of the rows, refusing duplicate times, noting irregular steps."""
    k = keys.keys
    notes: list[str] = []
    diffs = np.diff(k)
    rows = None
    if (diffs < 0).any():
        rows = np.argsort(k, kind="stable")
        descending = bool((diffs <= 0).all())
        notes.append(
            f"rows sorted by time column {name!r} ("
            + ("the file runs newest first" if descending else "the file was not in time order")
            + ")"
        )
        k = k[rows]
        diffs = np.diff(k)
    same = np.flatnonzero(diffs == 0)
    if same.size:
        i = int(same[0])
        a, b = (int(rows[i]), int(rows[i + 1])) if rows is not None else (i, i + 1)
        cell = table.columns[name][a]
        if keys.unit != "months" and table.is_numeric(name):
            cell = f"{keys.keys[a]:.17g}"
        raise DataError(
            f"{where}: lines {table.line_of(min(a, b))} and {table.line_of(max(a, b))} have the "
            f"same time {str(cell).strip()!r} in column {name!r}",
            "remove or merge the duplicate rows",
        )
    if diffs.size > 1:
        values, counts = np.unique(diffs, return_counts=True)
        if len(values) > 1:
            common = float(values[np.argmax(counts)])
            odd = int(np.count_nonzero(diffs != common))
            notes.append(
                f"time steps in {name!r} are irregular: mostly {_step(common, keys.unit)}, "
                f"but {odd} of {diffs.size} differ (from {_step(float(values[0]), keys.unit)} "
                f"to {_step(float(values[-1]), keys.unit)}); windows count rows, not time"
            )
    return Order(rows, notes)
