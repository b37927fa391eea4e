"""One long series → forecasting / regression windows, split chronologically.

The series is split by time first (train | gap | val | gap | test). A window belongs to the
split that holds its *targets*; a val/test window's inputs may reach back into the data before
its split (standard practice, and no leak: the targets stay inside, the normalizer and the
target transforms are fitted on the training part only). Without that, every split needs a
whole window + horizon of its own: the 144-month airline series with window 24 had no val or
test window at all. ``split.strict`` keeps each window wholly inside its split. Windows are
strided views (``sliding_window_view``) of the scaled series, not copies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from workbench.core.data import normalize as norm
from workbench.core.data.missing import apply_to_series
from workbench.core.data.prepared import DataSummary, PreparedData, SequenceSplit, SeriesTargets
from workbench.core.data.raw import RawSeries
from workbench.core.data.splits import chronological_bounds, random_split, require_train
from workbench.core.data.transforms import TargetTransform, resolve_season
from workbench.core.errors import DataError
from workbench.core.spec.task import SERIES_TASKS, Task

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec


def _take(values: np.ndarray, idx: list[int]) -> np.ndarray:
    """Columns ``idx`` of ``values``: the array itself (no copy) when that is all of them."""
    if idx == list(range(values.shape[1])):
        return values
    if len(idx) == 1:
        return values[:, idx[0] : idx[0] + 1]
    return values[:, idx]


def _windows(values: np.ndarray, window: int) -> np.ndarray:
    """[n, window, C] view of ``values`` [L, C] (writeable so torch can share it)."""
    view = sliding_window_view(values, window, axis=0, writeable=True)  # [n, C, window]
    return view.transpose(0, 2, 1)


def _cut(
    feats: np.ndarray,
    targets: np.ndarray,
    valid: np.ndarray | None,
    start: int,
    stop: int,
    in_start: int,
    window: int,
    horizon: int,
    stride: int,
    task: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows whose targets lie inside [start, stop) and whose inputs start at ``in_start`` or
    later; also the position of each window's first target step."""
    span = window + (horizon if task == Task.FORECASTING else 0)
    n_feat, n_tgt = feats.shape[1], targets.shape[1]
    k = horizon * n_tgt if task == Task.FORECASTING else n_tgt
    count = stop - in_start - span + 1
    if count <= 0 or stop <= start:
        return (
            np.zeros((0, window, n_feat), np.float32),
            np.zeros((0, k), np.float32),
            np.zeros(0, np.int64),
        )
    lead = window if task == Task.FORECASTING else window - 1  # first target = window start + lead
    x = _windows(feats[in_start:stop], window)
    if task == Task.FORECASTING:
        y = _windows(targets[in_start + window : stop], horizon).reshape(-1, horizon * n_tgt)
    else:
        y = targets[in_start + window - 1 : stop]
    x, y = x[:count:stride], y[:count:stride]
    pos = np.arange(in_start, in_start + count, stride, dtype=np.int64) + lead
    if valid is not None:
        ok = np.concatenate([[0], np.cumsum(~valid[in_start:stop])])
        bad_in_span = ok[span : span + count] - ok[:count]
        keep = bad_in_span[::stride] == 0
        if not keep.all():
            x, y, pos = x[keep], y[keep], pos[keep]
    return x, np.ascontiguousarray(y, dtype=np.float32), pos


def _input_starts(bounds: list[tuple[int, int]], window: int, task: str, strict: bool) -> list[int]:
    """Where each split's window inputs may begin: inside the split when ``strict``, else up to
    a window before it (the targets stay inside; only inputs reach back into earlier data)."""
    lead = window if task == Task.FORECASTING else window - 1
    starts = [bounds[0][0]]
    for start, _ in bounds[1:]:
        starts.append(start if strict else max(0, start - lead))
    return starts


def _fitting_window(
    window: int,
    horizon: int,
    task: str,
    bounds: list[tuple[int, int]],
    history: int,
    strict: bool,
) -> tuple[int, str]:
    """The window, shortened when the training part (every part when ``strict``) could not
    hold one window + horizon; and a note saying so ('' when it fits as asked)."""
    extra = history + (horizon if task == Task.FORECASTING else 0)
    parts = [bounds[0]] + ([(a, b) for a, b in bounds[1:] if b > a] if strict else [])
    room = min(b - a for a, b in parts) - extra
    if window <= room or room < 2:
        return window, ""
    return room, (
        f"window shortened from {window} to {room} steps so that every split holds at least "
        "one window (training fits it to the data; set a shorter window to keep it)"
    )


def _transformed(
    raw: RawSeries,
    spec: DataSpec,
    bounds: list[tuple[int, int]],
    valid: np.ndarray | None,
    where: str,
) -> tuple[np.ndarray, np.ndarray | None, TargetTransform, int, np.ndarray]:
    """The series with the target transforms applied to its target columns (wherever they are
    used, inputs included), the validity mask widened by the rows without enough history, the
    fitted chain, the season and the original targets [L, C] (float64)."""
    season = resolve_season(spec.season, raw.time_values)
    original = _take(raw.values, raw.target_idx).astype(np.float64)
    a, b = bounds[0]
    train_rows = original[a:b] if valid is None else original[a:b][valid[a:b]]
    tf = TargetTransform.fit(list(spec.target_transforms), train_rows, season, where)
    if tf.is_identity:
        return raw.values, valid, tf, season, original
    changed = tf.apply(original, where)
    values = np.array(raw.values, dtype=np.float32, copy=True)
    values[:, raw.target_idx] = changed
    defined = np.isfinite(changed).all(axis=1)
    if valid is not None:
        defined &= valid
    return values, defined, tf, season, original


def prepare_series(
    raw: RawSeries, spec: DataSpec, where: str, fmt: str, source: str, summary_only: bool = False
) -> PreparedData | DataSummary:
    task = spec.task
    if task not in SERIES_TASKS:
        raise DataError(
            f"{where}: one series is cut into windows for forecasting or regression, not {task!r}",
            "set task to 'forecasting' (or 'regression'); for labelled sequences use a long CSV",
        )
    length = raw.values.shape[0]
    window, horizon, stride = spec.window, spec.horizon, spec.stride
    if not raw.target_idx:
        raise DataError(f"{where}: no target column chosen", "set target_columns")
    if not raw.feature_idx:
        raise DataError(f"{where}: no feature columns left", "set feature_columns")
    span = window + (horizon if task == Task.FORECASTING else 0)
    if span > length:
        raise DataError(
            f"{where}: window {window}"
            + (f" + horizon {horizon}" if task == Task.FORECASTING else "")
            + f" is longer than the series ({length} steps)",
            "use a shorter window",
        )
    valid = apply_to_series(raw, spec.missing, where)
    sp = spec.split
    if sp.kind == "predefined":
        raise DataError(
            f"{where}: split 'predefined' needs a separate test file", "use 'chronological'"
        )
    bounds = chronological_bounds(length, sp.val_fraction, sp.test_fraction, sp.gap)
    if sp.kind == "random":
        bounds = [(0, length)] * 3
    train_start, train_stop = bounds[0]
    feature_names = [raw.columns[i] for i in raw.feature_idx]
    target_names = [raw.columns[i] for i in raw.target_idx]
    values, valid, tf, season, original = _transformed(raw, spec, bounds, valid, where)
    strict = sp.strict or sp.kind == "random"
    window, shrunk = _fitting_window(window, horizon, task, bounds, tf.history, strict)
    method = spec.normalization
    train_rows = values[train_start:train_stop]
    if valid is not None:
        train_rows = train_rows[valid[train_start:train_stop]]
    feat_stats = norm.fit_columns(_take(train_rows, raw.feature_idx), method, feature_names)
    target_stats = norm.fit_columns(_take(train_rows, raw.target_idx), method, target_names)
    feats = norm.apply_columns(_take(values, raw.feature_idx), feat_stats)
    targets = norm.apply_columns(_take(values, raw.target_idx), target_stats)

    starts = _input_starts(bounds, window, task, strict)
    parts = [
        _cut(feats, targets, valid, a, b, s, window, horizon, stride, task)
        for (a, b), s in zip(bounds, starts)
    ]
    split_kind = f"chronological, gap {sp.gap}" + (
        "" if strict else ", val/test inputs may reach back"
    )
    if sp.kind == "random":  # the user asked for it; overlapping windows then share steps
        x_all, y_all, pos_all = parts[0]
        idx = random_split(len(x_all), sp.val_fraction, sp.test_fraction, sp.seed)
        parts = [(x_all[i], y_all[i], pos_all[i]) for i in idx]
        split_kind = "random (overlapping windows share steps across splits)"
    require_train(len(parts[0][0]), where, "windows")

    output_size = horizon * len(target_names) if task == Task.FORECASTING else len(target_names)
    used = list(dict.fromkeys(raw.feature_idx + raw.target_idx))
    n_windows = sum(len(p[0]) for p in parts)
    notes = list(raw.notes)
    if shrunk:
        notes.append(shrunk)
    if task == Task.FORECASTING and horizon > 1:
        notes.append(f"targets: {horizon} steps x {len(target_names)} columns, step-major")
    if not tf.is_identity:
        notes.append(f"target transforms: {tf.describe()} (figures are in original units)")
    for (name, fraction), (x_part, _, _) in zip(
        (("validation", sp.val_fraction), ("test", sp.test_fraction)), parts[1:]
    ):
        if fraction > 0 and len(x_part) == 0:  # the split exists but no whole window fits in it
            short = "one window + horizon" if strict else "the horizon"
            notes.append(
                f"the {name} part of the series is shorter than {short}: it holds no windows "
                f"(use a shorter window or horizon, or a larger {name} fraction)"
            )
    summary = DataSummary(
        output_size=output_size,
        format=fmt,
        source=source,
        task=task,
        n_sequences=n_windows,
        length_min=window,
        length_median=float(window),
        length_max=window,
        n_features=len(feature_names),
        feature_names=feature_names,
        target_names=target_names,
        missing_values=raw.missing_count,
        split_sizes={"train": len(parts[0][0]), "val": len(parts[1][0]), "test": len(parts[2][0])},
        split_kind=split_kind,
        normalization=method,
        preview_header=raw.preview.header,
        preview_rows=raw.preview.rows,
        preview_parsed=raw.preview.parsed,
        dropped_columns=dict(raw.dropped),
        series=_take(raw.values, used),
        series_names=[raw.columns[i] for i in used],
        split_bounds=[bounds[1][0], bounds[2][0]] if sp.kind != "random" else None,
        window=window,
        horizon=horizon if task == Task.FORECASTING else 0,
        notes=list(dict.fromkeys(notes)),
    )
    if summary_only:
        return summary
    import torch

    def make(x: np.ndarray, y: np.ndarray) -> SequenceSplit:
        return SequenceSplit(x=torch.from_numpy(x), y=torch.from_numpy(y))

    splits = [make(x, y) for x, y, _ in parts]
    series_targets = SeriesTargets(
        original=original,
        positions={name: p for name, (_, _, p) in zip(("train", "val", "test"), parts)},
        transform=tf,
        horizon=horizon if task == Task.FORECASTING else 1,
        season=season,
    )
    return PreparedData(
        task=task,
        train=splits[0],
        val=splits[1],
        test=splits[2],
        n_features=len(feature_names),
        vocab=None,
        output_size=output_size,
        class_names=None,
        target_names=target_names,
        normalization_stats=norm.make_stats(method, feat_stats, target_stats),
        summary=summary,
        series_targets=series_targets,
    )
