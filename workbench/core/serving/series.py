"""Windows of a series for prediction, prepared with a run's fitted preprocessing — from the
whole file, or chunk by chunk with the history each window needs carried across chunks.

Chunked and whole give the same windows: a chunk's windows are emitted only once every row
they read is final (their targets inside the rows read so far; with 'interpolate', the gap
they sit in closed by a row with every value present), and the rows carried into the next
chunk start at such a complete row, at least ``transform.history`` rows before the first
window still to come (differences read that far back).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from workbench.core.data import normalize as norm
from workbench.core.data.raw import RawSeries
from workbench.core.errors import DataError
from workbench.core.serving.inputs import Inputs, check_names, transform_of
from workbench.core.serving.loaded import LoadedRun
from workbench.core.spec.task import Task


def _check(run: LoadedRun, raw: RawSeries, where: str) -> None:
    features = [raw.columns[i] for i in raw.feature_idx]
    check_names("feature columns", features, run.pre.feature_names, where)
    if raw.target_idx:  # a file without the target columns is new data to predict from
        targets = [raw.columns[i] for i in raw.target_idx]
        check_names("target columns", targets, run.pre.target_names, where)


def _too_short(length: int, window: int, where: str) -> DataError:
    return DataError(
        f"{where}: {length} rows, fewer than the model's window of {window}",
        "give at least one window of data",
    )


def windows(
    run: LoadedRun,
    raw: RawSeries,
    spec: Any,
    where: str,
    start: int = 0,
    first: int = 0,
    stop: int | None = None,
) -> Inputs:
    """Windows ``first … stop-1`` (rows of ``raw``; ``raw`` row 0 is file row ``start``).

    ``raw.values`` may be changed in place (interpolated gaps)."""
    from workbench.core.data.missing import apply_to_series

    pre = run.pre
    _check(run, raw, where)
    window, horizon = spec.window, pre.horizon if pre.task == Task.FORECASTING else 0
    length = raw.values.shape[0]
    if length < window:
        raise _too_short(length, window, where)
    valid = apply_to_series(raw, spec.missing, where)
    values, tf = raw.values, transform_of(run)
    original = raw.values[:, raw.target_idx].astype(np.float64)
    if not tf.is_identity:  # the fitted chain, on the target columns wherever they are used
        if not raw.target_idx:
            raise DataError(
                f"{where}: the run's target transform needs the past values of "
                f"{', '.join(pre.target_names)}, which the file does not hold",
                "add the target columns to the file",
            )
        changed = tf.apply(original, where)
        values = np.array(raw.values, dtype=np.float32, copy=True)
        values[:, raw.target_idx] = changed
        defined = np.isfinite(changed).all(axis=1)
        valid = defined if valid is None else valid & defined
    n_all = length - window + 1
    stop = n_all if stop is None else min(stop, n_all)
    rows = slice(first, stop + window - 1)  # only the rows these windows read are scaled
    feats = norm.apply_columns(values[rows, raw.feature_idx], pre.feature_stats)
    x = sliding_window_view(feats, window, axis=0).transpose(0, 2, 1)  # [n, window, F] view
    n = x.shape[0]
    offsets = np.arange(first, first + n)
    y = None
    if raw.target_idx:
        tgt = raw.values[:, raw.target_idx].astype(np.float64)
        if pre.task == Task.FORECASTING:
            # Window i forecasts rows i+window … i+window+horizon-1 (NaN past the file's end).
            padded = np.concatenate([tgt, np.full((horizon, tgt.shape[1]), np.nan)])
            ahead = sliding_window_view(padded[window:], horizon, axis=0)
            y = ahead[first : first + n].transpose(0, 2, 1).reshape(n, -1)
        else:
            y = tgt[offsets + window - 1]
    targets_at = offsets + (window if pre.task == Task.FORECASTING else window - 1)
    keep = np.ones(n, bool)
    if valid is not None:
        bad = np.concatenate([[0], np.cumsum(~valid)])
        keep = (bad[offsets + window] - bad[offsets]) == 0
    if not keep.all():
        x, targets_at = x[keep], targets_at[keep]
        y = None if y is None else y[keep]
    history = None
    if not tf.is_identity:
        back = targets_at[:, None] + np.arange(-tf.history, 0)[None, :]
        history = original[back]
    times = raw.time_values
    index = [
        str(times[i]) if times is not None and i < len(times) else str(int(i + start))
        for i in targets_at
    ]
    y = None if y is None else np.ascontiguousarray(y)
    return Inputs(x, None, y, None, index, where, [], history)


@dataclass
class _Carry:
    values: np.ndarray
    times: np.ndarray | None
    start: int  # file row of values[0]


def stream(
    run: LoadedRun, path: Path, spec: Any, where: str, labels: bool, chunk_rows: int
) -> Iterator[Inputs]:
    """The windows of a wide CSV, read ``chunk_rows`` rows at a time; the same windows, in
    the same order, as ``windows`` on the whole file. Raises ``NotStreamable`` (rows out of
    time order) before anything is wrong: the caller then reads the file whole."""
    from workbench.core.data.csv.chunks import NotStreamable, iter_tables
    from workbench.core.data.csv.wide import series_from_table

    window = spec.window
    interpolate = spec.missing == "interpolate"
    carry: _Carry | None = None
    template: RawSeries | None = None
    done = 0  # file row of the first window not yet emitted
    last_key = None
    rows_read = 0
    for table in iter_tables(path, spec, where, chunk_rows):
        raw, keys = series_from_table(table, spec, where, labels, keep_order=True)
        if keys is not None and len(keys):
            if last_key is not None and keys[0] <= last_key:
                raise NotStreamable("rows are not in time order across chunks")
            last_key = keys[-1]
        if template is None:
            template = raw
            _check(run, raw, where)
        used = sorted(set(raw.feature_idx) | set(raw.target_idx))
        if spec.missing == "refuse" and np.isnan(raw.values[:, used]).any():
            # An error either way: the whole file gives it with the full count of gaps.
            raise NotStreamable("missing values under the 'refuse' policy")
        rows_read += len(raw.values)
        carry = _append(carry, raw)
        part, carry, done = _emit(run, carry, template, spec, where, done, False, interpolate)
        if part is not None:
            yield part
        del raw, table
    if carry is None or template is None:
        return
    if rows_read < window:
        raise _too_short(rows_read, window, where)
    part, _, _ = _emit(run, carry, template, spec, where, done, True, interpolate)
    if part is not None:
        yield part


def _append(carry: _Carry | None, raw: RawSeries) -> _Carry:
    if carry is None:
        return _Carry(raw.values, raw.time_values, 0)
    values = np.concatenate([carry.values, raw.values])
    times = None
    if carry.times is not None and raw.time_values is not None:
        times = np.concatenate([carry.times, raw.time_values])
    return _Carry(values, times, carry.start)


def _emit(
    run: LoadedRun,
    carry: _Carry,
    template: RawSeries,
    spec: Any,
    where: str,
    done: int,
    final: bool,
    interpolate: bool,
) -> tuple[Inputs | None, _Carry, int]:
    """Windows of the rows held whose every row is final; what to carry; the next window."""
    pre, tf = run.pre, transform_of(run)
    window, horizon = spec.window, pre.horizon if pre.task == Task.FORECASTING else 0
    length = len(carry.values)
    used = sorted(set(template.feature_idx) | set(template.target_idx))
    complete = ~np.isnan(carry.values[:, used]).any(axis=1) if interpolate else None
    end = length
    if complete is not None and not final:
        found = np.flatnonzero(complete)
        end = int(found[-1]) + 1 if found.size else 0
    first = done - carry.start
    stop = length - window + 1 if final else end - window - horizon + 1
    part = None
    if stop > first:
        raw = RawSeries(
            values=carry.values.copy() if interpolate else carry.values,
            columns=template.columns,
            feature_idx=template.feature_idx,
            target_idx=template.target_idx,
            notes=list(template.notes),
            time_values=carry.times,
        )
        part = windows(run, raw, spec, where, carry.start, first, stop)
        done = carry.start + stop
    cut = max(0, done - carry.start - tf.history)
    if complete is not None:
        anchors = np.flatnonzero(complete[: cut + 1])
        cut = int(anchors[-1]) if anchors.size else 0
    if cut:
        times = None if carry.times is None else carry.times[cut:]
        carry = _Carry(carry.values[cut:], times, carry.start + cut)
    return part, carry, done
