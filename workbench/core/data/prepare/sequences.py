"""Independent sequences → PreparedData: missing values, labels, split, scaling, padding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from workbench.core.data import labels as lab
from workbench.core.data import normalize as norm
from workbench.core.data.missing import apply_to_sequences
from workbench.core.data.prepared import DataSummary, PreparedData, SequenceSplit, as_tensor
from workbench.core.data.raw import RawSequences
from workbench.core.data.splits import (
    ordered_split,
    random_split,
    require_train,
    stratified_split,
)
from workbench.core.errors import DataError
from workbench.core.spec.task import SEQUENCE_TASKS, Task

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec


def _pad_to(x: np.ndarray, steps: int) -> np.ndarray:
    if x.shape[1] == steps:
        return x
    pad = [(0, 0)] * x.ndim
    pad[1] = (0, steps - x.shape[1])
    return np.pad(x, pad)


def _combine(raw: RawSequences) -> tuple[RawSequences, int]:
    """Put a predefined test part after the main part; returns (combined, index of first test)."""
    test = raw.test
    if test is None:
        return raw, raw.n
    if test.x.shape[2] != raw.x.shape[2]:
        raise DataError(
            f"the test file has {test.x.shape[2]} features per step but the training file has {raw.x.shape[2]}",
            "use the matching _TRAIN / _TEST pair",
        )
    steps = max(raw.x.shape[1], test.x.shape[1])
    x = np.concatenate([_pad_to(raw.x, steps), _pad_to(test.x, steps)])
    lengths = np.concatenate([raw.seq_lengths(), test.seq_lengths()])
    y = None
    if raw.y is not None and test.y is not None:
        ya, yb = raw.y, test.y
        if ya.ndim == 2 and ya.shape[1] in (raw.x.shape[1],) and ya.dtype.kind in "iuO":
            ya, yb = _pad_to(ya, steps), _pad_to(yb, steps)
        if ya.dtype != yb.dtype:
            ya, yb = ya.astype(object), yb.astype(object)
        y = np.concatenate([ya, yb])
    combined = RawSequences(
        x=x,
        lengths=lengths,
        y=y,
        feature_names=raw.feature_names,
        target_names=raw.target_names,
        origins=(raw.origins or [f"sequence {i}" for i in range(raw.n)])
        + [
            f"{test.where or 'test file'}, {o}"
            for o in (test.origins or [f"sequence {i}" for i in range(test.n)])
        ],
        class_names=raw.class_names,
        labels_are_ids=raw.labels_are_ids,
        missing_count=raw.missing_count + test.missing_count,
        preview=raw.preview,
        notes=raw.notes + test.notes,
    )
    return combined, raw.n


def _split(
    raw: RawSequences, n_main: int, spec: DataSpec, where: str, labels: np.ndarray | None = None
) -> tuple[list[np.ndarray], str]:
    """Train / val / test indices; with a test file, validation comes out of the training
    file (stratified by class when ``labels`` are given, so a rare class is not left out)."""
    sp = spec.split
    has_test = n_main < raw.n
    kind = sp.kind
    if kind == "predefined" and not has_test:
        raise DataError(
            f"{where}: split 'predefined' needs a separate test file",
            "set test_source (e.g. the *_TEST.ts beside a *_TRAIN.ts), or choose another split",
        )
    if has_test and kind in ("auto", "predefined") and labels is not None:
        tr, va = stratified_split(labels[:n_main], sp.val_fraction, sp.seed)
        return [tr, va, np.arange(n_main, raw.n)], (
            "test set from the test file, validation drawn from the training file "
            "(stratified by class)"
        )
    if has_test and kind in ("auto", "predefined"):
        tr, va, _ = random_split(n_main, sp.val_fraction, 0.0, sp.seed)
        return [
            tr,
            va,
            np.arange(n_main, raw.n),
        ], "test set from the test file, validation drawn at random"
    if kind == "chronological":
        return list(ordered_split(raw.n, sp.val_fraction, sp.test_fraction)), "in file order"
    return list(random_split(raw.n, sp.val_fraction, sp.test_fraction, sp.seed)), "random"


def preview_indices(labels: np.ndarray | None, n: int, per_class: int = 2) -> list[int]:
    """Sequences for the preview plot: the first four, or with labels the first ``per_class``
    of each of the first six classes, so the classes can be compared."""
    if labels is None:
        return list(range(min(4, n)))
    picked: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        if label not in picked and len(picked) >= 6:
            continue
        group = picked.setdefault(int(label), [])
        if len(group) < per_class:
            group.append(i)
    return sorted(i for group in picked.values() for i in group)


def prepare_sequences(
    raw: RawSequences, spec: DataSpec, where: str, fmt: str, source: str, summary_only: bool = False
) -> PreparedData | DataSummary:
    task = spec.task
    if task not in SEQUENCE_TASKS:
        hint = (
            "forecasting cuts windows from one long series: use a wide CSV or a 2-D array"
            if task == Task.FORECASTING
            else "language modelling reads a text file"
        )
        raise DataError(f"{where}: task {task!r} does not fit independent sequences", hint)
    if raw.n == 0:
        raise DataError(f"{where}: no sequences found", "check the file and the column options")
    if raw.y is None:
        raise DataError(
            f"{where}: no labels or targets found", "name the label column (target_columns / y_key)"
        )
    raw = apply_to_sequences(raw, spec.missing, where)
    test_file = raw.test.where if raw.test is not None else None
    raw, n_main = _combine(raw)
    if raw.n == 0:
        raise DataError(f"{where}: no sequences left after dropping missing values")
    n, steps, n_feat = raw.x.shape
    lengths = raw.seq_lengths()
    valid_steps = np.arange(steps)[None, :] < lengths[:, None]

    class_names: list[str] | None = None
    mask = None
    y = raw.y
    assert y is not None  # checked above; dropping / filling missing values keeps the labels
    if task == Task.CLASSIFICATION:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise DataError(
                f"{where}: classification needs one label per sequence (got labels of shape {list(y.shape)})",
                "use task 'tagging' for one label per step",
            )
        if raw.labels_are_ids:
            ids, class_names = y.astype(np.int64), list(raw.class_names or [])
        else:
            ids, class_names = lab.encode(y, raw.class_names, None, where)
        y = ids
    elif task == Task.TAGGING:
        if y.ndim != 2 or y.shape[1] != steps:
            raise DataError(
                f"{where}: tagging needs one label per step (labels of shape [N, {steps}], got {list(y.shape)})",
                "use task 'classification' for one label per sequence",
            )
        if raw.labels_are_ids:
            ids, class_names = y.astype(np.int64), list(raw.class_names or [])
        else:
            ids, class_names = lab.encode(y, raw.class_names, valid_steps, where)
        y = np.where(valid_steps, ids, 0)
        mask = valid_steps
    else:
        y = lab.as_float_targets(y, where)
        if y.shape[0] != n:
            raise DataError(f"{where}: {y.shape[0]} targets for {n} sequences")

    parts, split_kind = _split(raw, n_main, spec, where, y if task == Task.CLASSIFICATION else None)
    require_train(len(parts[0]), where)

    method = spec.normalization
    train_idx = parts[0]
    feat_stats = norm.fit_columns(
        raw.x[train_idx][valid_steps[train_idx]], method, raw.feature_names
    )
    target_stats = None
    if task == Task.REGRESSION:
        names = (
            raw.target_names
            if len(raw.target_names) == y.shape[1]
            else [f"y{i}" for i in range(y.shape[1])]
        )
        target_stats = norm.fit_columns(y[train_idx], method, names)
        y_scaled = norm.apply_columns(y, target_stats)
    else:
        y_scaled = y
    x_scaled = norm.apply_columns(raw.x, feat_stats)
    x_scaled[~valid_steps] = 0.0  # padding stays exactly zero
    stats = norm.make_stats(method, feat_stats, target_stats)

    ragged = bool((lengths < steps).any())
    if task == Task.CLASSIFICATION:
        output_size = len(class_names or [])
        counts = np.bincount(y, minlength=output_size)
        class_counts = {name: int(c) for name, c in zip(class_names or [], counts)}
        target_names = list(raw.target_names[:1]) or ["label"]
    elif task == Task.TAGGING:
        output_size = len(class_names or [])
        counts = np.bincount(y[valid_steps], minlength=output_size)
        class_counts = {name: int(c) for name, c in zip(class_names or [], counts)}
        target_names = list(raw.target_names[:1]) or ["label"]
    else:
        output_size = int(y.shape[1])
        class_counts = None
        target_names = (
            target_stats["names"]
            if target_stats
            else (
                raw.target_names
                if len(raw.target_names) == output_size
                else [f"y{i}" for i in range(output_size)]
            )
        )

    labelled = task == Task.CLASSIFICATION and bool(class_names)
    shown = preview_indices(y if labelled else None, n)
    summary = DataSummary(
        output_size=output_size,
        format=fmt,
        source=source,
        task=task,
        n_sequences=n,
        test_file=test_file,
        n_test_file=n - n_main if test_file else 0,
        length_min=int(lengths.min()),
        length_median=float(np.median(lengths)),
        length_max=int(lengths.max()),
        n_features=n_feat,
        feature_names=list(raw.feature_names),
        target_names=list(target_names),
        class_counts=class_counts,
        missing_values=raw.missing_count,
        split_sizes={"train": len(parts[0]), "val": len(parts[1]), "test": len(parts[2])},
        split_kind=split_kind,
        normalization=method,
        preview_header=raw.preview.header,
        preview_rows=raw.preview.rows,
        preview_parsed=raw.preview.parsed,
        dropped_columns=dict(raw.dropped),
        preview_series=[np.array(raw.x[i, : lengths[i]], dtype=np.float64) for i in shown],
        preview_labels=[str((class_names or [])[y[i]]) for i in shown] if labelled else [],
        notes=list(dict.fromkeys(raw.notes)),
    )
    if summary_only:
        return summary
    import torch  # only now: a summary alone needs no tensors

    y_dtype = torch.float32 if task == Task.REGRESSION else torch.int64

    def make(idx: np.ndarray) -> SequenceSplit:
        return SequenceSplit(
            x=torch.from_numpy(np.ascontiguousarray(x_scaled[idx])),
            y=as_tensor(y_scaled[idx], y_dtype),
            lengths=as_tensor(lengths[idx].astype(np.int64), torch.int64) if ragged else None,
            mask=as_tensor(mask[idx], torch.bool) if mask is not None else None,
        )

    splits = [make(p) for p in parts]
    return PreparedData(
        task=task,
        train=splits[0],
        val=splits[1],
        test=splits[2],
        n_features=n_feat,
        vocab=None,
        output_size=output_size,
        class_names=class_names,
        target_names=list(target_names),
        normalization_stats=stats,
        summary=summary,
    )
