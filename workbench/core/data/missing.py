"""The missing-value policy: refuse (naming the first bad place), drop, or interpolate.

Never train on NaN silently.
"""

from __future__ import annotations

import numpy as np

from workbench.core.data.raw import RawSequences, RawSeries
from workbench.core.errors import DataError

HINT = "fill the gaps in, or set the missing-value policy to 'drop' or 'interpolate'"


def refuse(where: str, count: int, first: str | None) -> None:
    place = f" (first at {first})" if first else ""
    raise DataError(f"{where}: {count} missing value{'s' if count != 1 else ''}{place}", HINT)


def first_nan_in_sequences(raw: RawSequences) -> str | None:
    """'sequence i, step t, feature NAME' of the first NaN inside the valid steps."""
    lengths = raw.seq_lengths()
    for i in range(raw.n):
        bad = np.argwhere(np.isnan(raw.x[i, : lengths[i]]))
        if bad.size:
            t, f = bad[0]
            origin = raw.origins[i] if raw.origins else f"sequence {i}"
            return f"{origin}, step {t + 1}, feature {raw.feature_names[f]!r}"
    return None


def _valid_nan_count(raw: RawSequences) -> int:
    if raw.lengths is None:
        return int(np.isnan(raw.x).sum())
    steps = np.arange(raw.x.shape[1])[None, :] < raw.lengths[:, None]
    return int(np.isnan(raw.x[steps]).sum())


def _interpolate_1d(values: np.ndarray) -> np.ndarray | None:
    """Linear interpolation of NaNs (edges take the nearest value); None if all NaN."""
    bad = np.isnan(values)
    if not bad.any():
        return values
    if bad.all():
        return None
    idx = np.arange(values.size)
    out = values.copy()
    out[bad] = np.interp(idx[bad], idx[~bad], values[~bad])
    return out


def _label_missing(y: np.ndarray | None) -> np.ndarray:
    if y is None:
        return np.zeros(0, dtype=bool)
    if y.dtype == object:
        flat = y.reshape(y.shape[0], -1)
        return np.array(
            [
                any(v is None or v == "" or (isinstance(v, float) and np.isnan(v)) for v in row)
                for row in flat
            ]
        )
    if y.dtype.kind == "f":
        return np.isnan(y.reshape(y.shape[0], -1)).any(axis=1)
    return np.zeros(y.shape[0], dtype=bool)


def apply_to_sequences(raw: RawSequences, policy: str, where: str) -> RawSequences:
    """Apply ``policy`` to ``raw`` (and its predefined test part); returns the cleaned data."""
    if raw.test is not None:
        raw.test = apply_to_sequences(raw.test, policy, raw.test.where or where)
    count = _valid_nan_count(raw)
    label_bad = _label_missing(raw.y)
    raw.missing_count = max(raw.missing_count, count + int(label_bad.sum()))
    if raw.missing_count == 0:
        return raw
    if policy == "refuse":
        first = raw.first_missing or first_nan_in_sequences(raw)
        if first is None and label_bad.any():
            i = int(np.argmax(label_bad))
            first = f"{raw.origins[i] if raw.origins else f'sequence {i}'}, label"
        refuse(where, raw.missing_count, first)
    lengths = raw.seq_lengths()
    keep = ~label_bad
    if policy == "drop":
        for i in np.flatnonzero(keep).tolist():
            if np.isnan(raw.x[i, : lengths[i]]).any():
                keep[i] = False
    else:  # interpolate along time, per sequence and feature
        for i in np.flatnonzero(keep).tolist():
            block = raw.x[i, : lengths[i]]
            if not np.isnan(block).any():
                continue
            for f in range(block.shape[1]):
                filled = _interpolate_1d(block[:, f])
                if filled is None:
                    keep[i] = False  # nothing to interpolate from: the sequence goes
                    break
                block[:, f] = filled
    dropped = int((~keep).sum())
    if dropped:
        raw.notes.append(
            f"{dropped} sequence{'s' if dropped != 1 else ''} with missing values dropped"
        )
        raw.x = raw.x[keep]
        raw.lengths = None if raw.lengths is None else raw.lengths[keep]
        raw.y = None if raw.y is None else raw.y[keep]
        raw.origins = None if raw.origins is None else [o for o, k in zip(raw.origins, keep) if k]
    return raw


def apply_to_series(raw: RawSeries, policy: str, where: str) -> np.ndarray | None:
    """Interpolate or refuse in place; for 'drop', return the per-step validity mask
    (windows touching an invalid step are dropped later), else None."""
    used = sorted(set(raw.feature_idx) | set(raw.target_idx))
    block = raw.values if used == list(range(raw.values.shape[1])) else raw.values[:, used]
    nan = np.isnan(block)
    raw.missing_count = max(raw.missing_count, int(nan.sum()))
    if raw.missing_count == 0:
        return None
    if policy == "refuse":
        first = raw.first_missing
        if first is None:
            r, c = np.argwhere(nan)[0]
            first = f"step {r}, column {raw.columns[used[c]]!r}"
        refuse(where, raw.missing_count, first)
    if policy == "drop":
        return ~nan.any(axis=1)
    for c in used:
        filled = _interpolate_1d(raw.values[:, c].astype(np.float64))
        if filled is None:
            raise DataError(f"{where}: column {raw.columns[c]!r} holds no values at all", HINT)
        raw.values[:, c] = filled
    raw.notes.append(f"{raw.missing_count} missing values interpolated")
    return None
