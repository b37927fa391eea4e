"""New data prepared with a run's *fitted* preprocessing (never refitted): a file of the same
kind as the training data, or one of the run's own splits.

Inputs stay NumPy arrays (windows of a series are strided views, not copies); the predictor
turns one batch at a time into tensors, so a large file needs little memory beyond its arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.data import labels as lab
from workbench.core.data import normalize as norm
from workbench.core.errors import DataError, WorkbenchError
from workbench.core.serving.loaded import LoadedRun
from workbench.core.spec.task import VALUE_TASKS, Task

SPLITS = ("train", "val", "test")


@dataclass
class Inputs:
    """Model inputs plus what is needed to read the outputs back.

    ``x``: float32 [N, T, F] (scaled) or int64 token ids ([N, T], or [L] for a text stream).
    ``y``: class ids [N], per-step ids [N, T], targets in original units [N, K] (NaN where a
    forecast runs past the end of the file), the token stream itself for text, or None.
    ``index``: one label per row (sequence origin, or the time step a forecast starts at).
    """

    x: np.ndarray
    lengths: np.ndarray | None = None
    y: np.ndarray | None = None
    mask: np.ndarray | None = None
    index: list[str] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)
    #: [N, history, C] original target values just before each window's first target, for
    #: inverting target transforms (differences); None when the run has none.
    target_history: np.ndarray | None = None
    #: The obvious guesses scored on these targets (``core.training.baselines``, run splits
    #: only): ``{"name": …, "<metric>": value}``.
    baselines: dict[str, Any] | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def has_targets(self) -> bool:
        return self.y is not None


def from_split(run: LoadedRun, name: str) -> Inputs:
    """One of the run's own splits, prepared exactly as training prepared it."""
    from workbench.core.data import load_data

    if name not in SPLITS:
        raise WorkbenchError(f"--split must be one of {', '.join(SPLITS)} (got {name!r})")
    data = load_data(run.spec.data, run.base_dir)
    split = data.split(name)
    if len(split) == 0:
        raise WorkbenchError(
            f"the {name} split of this run is empty", "evaluate another split or a file"
        )
    x = split.x.numpy()
    y = None if split.y is None else split.y.numpy()
    if y is not None and run.task in VALUE_TASKS:
        y = data.targets_to_original_units(y, name)  # target transforms need the split
    if run.task == Task.LANGUAGE_MODEL:
        y = x
    lengths = None if split.lengths is None else split.lengths.numpy()
    mask = None if split.mask is None else split.mask.numpy()
    index = [f"{name} {i}" for i in range(len(x))] if run.task != Task.LANGUAGE_MODEL else []
    history = None
    st = getattr(data, "series_targets", None)
    if st is not None:  # windows of one series: say which step each forecast starts at
        index = [f"step {int(p)}" for p in st.positions[name][: len(x)]]
        if not st.transform.is_identity:
            history = st.history(name, slice(0, len(x)), st.transform.history)
    from workbench.core.training.baselines import baseline_name, split_baselines

    scores = split_baselines(data, name) if name != "train" else {}
    baselines = {k[len(name) + 1 :]: v for k, v in scores.items()}
    if baselines:
        baselines["name"] = baseline_name(data)
    return Inputs(
        x,
        lengths,
        y,
        mask,
        index,
        f"{name} split of {run.spec.data.source}",
        [],
        history,
        baselines or None,
    )


@dataclass
class NewFile:
    """A new file to predict from, as the run's reader sees it."""

    path: Path
    where: str  # the name messages use
    spec: Any  # the run's DataSpec pointed at the file
    fmt: str  # its format (``core.data.loader.NATURAL_TASK``'s keys)
    labels: bool  # whether it holds the label / target columns


def open_file(run: LoadedRun, path: str | Path) -> NewFile:
    """Check ``path`` and decide how to read it: the run's format and column choices, and
    whether the label / target columns are there (a CSV without them is new, unlabelled
    data: predictable, not evaluable)."""
    from workbench.core.data.sources import Source, check_file, detect_format

    path = Path(path)
    where = str(path)
    check_file(path, where)
    spec = run.spec.data.copy()
    spec.source, spec.test_source = where, None
    fmt = run.pre.data_format
    if fmt == "builtin":
        fmt = "numpy" if path.suffix.lower() in (".npz", ".npy") else "auto"
    spec.format = fmt
    if fmt == "auto":
        fmt = detect_format(spec, Source(where, path))
    labels = True
    if fmt in ("wide_csv", "long_csv"):
        labels = _has_labels(run, spec, path, where)
    return NewFile(path, where, spec, fmt, labels)


def _has_labels(run: LoadedRun, spec: Any, path: Path, where: str) -> bool:
    from workbench.core.data.csv.table import layout

    names = set(layout(path, spec, where).names)
    wanted = list(spec.target_columns or run.pre.target_names)
    present = [n for n in wanted if n in names]
    if present and len(present) < len(wanted):
        missing = [n for n in wanted if n not in names]
        raise DataError(
            f"{where}: has target column{'s' if len(present) > 1 else ''} "
            f"{', '.join(present)} but not {', '.join(missing)}",
            "give all the target columns the model was trained on, or none to only predict",
        )
    return bool(present) or not wanted


def from_file(run: LoadedRun, path: str | Path) -> Inputs:
    """A new file of the same kind as the run's training data, read whole."""
    from workbench.core.data.loader import read_raw
    from workbench.core.data.raw import RawSequences, RawSeries, RawText
    from workbench.core.serving.series import windows

    new = open_file(run, path)
    raw = read_raw(new.spec, None, None, new.fmt, new.labels)
    if isinstance(raw, RawText):
        return _text(run, raw.text, new.where)
    if isinstance(raw, RawSeries):
        return windows(run, raw, new.spec, new.where)
    assert isinstance(raw, RawSequences)
    return sequences(run, raw, new.spec, new.where)


def check_names(kind: str, got: list[str], want: list[str], where: str) -> None:
    if len(got) != len(want):
        raise DataError(
            f"{where}: {len(got)} {kind} ({', '.join(got[:8])}) but the model was trained on "
            f"{len(want)} ({', '.join(want[:8])})",
            f"give a file with the same {kind} as the training data",
        )
    differ = [(g, w) for g, w in zip(got, want) if g != w]
    generic = all(w.startswith(("x", "y", "f", "feature", "dim")) for _, w in differ)
    if differ and not generic:
        g, w = differ[0]
        raise DataError(
            f"{where}: {kind} differ from the training data ({g!r} where it had {w!r})",
            f"use the same {kind}, in the same order, as the training file",
        )


def _text(run: LoadedRun, text: str, where: str) -> Inputs:
    from workbench.core.data.token_ids import char_ids, word_ids

    pre = run.pre
    assert pre.vocab is not None
    # Ids in the smallest dtype, like the training stream (token_ids.py says why).
    if pre.text_level == "char":
        ids = char_ids(text, pre.vocab)
    else:
        ids = word_ids(text, pre.vocab)
    if len(ids) < 2:
        raise DataError(f"{where}: needs at least two tokens", "give a longer text")
    n_unk = int(np.count_nonzero(ids == 0))
    unk = n_unk / len(ids)
    notes = [f"{unk:.2%} of the tokens are not in the run's vocabulary (<unk>)"] if n_unk else []
    return Inputs(ids, y=ids, source=where, notes=notes)


def transform_of(run: LoadedRun):
    """The run's fitted target transform chain (identity when it has none)."""
    from workbench.core.data.transforms import TargetTransform

    state = run.pre.target_transform or {}
    return TargetTransform.from_dict(state.get("transform"))


def sequences(run: LoadedRun, raw: Any, spec: Any, where: str, allow_empty: bool = False) -> Inputs:
    """Sequences scaled with the fitted statistics, labels encoded with the run's classes.
    ``lengths`` is always given (also when every sequence is as long as the longest), so a
    file read whole and one read in chunks run the model on the same tensors."""
    from workbench.core.data.missing import apply_to_sequences

    pre = run.pre
    check_names("features", list(raw.feature_names), pre.feature_names, where)
    raw = apply_to_sequences(raw, spec.missing, where)
    if raw.n == 0:
        if allow_empty:  # a chunk whose sequences all had gaps (policy 'drop')
            return Inputs(np.zeros((0, 1, len(pre.feature_names)), np.float32), source=where)
        raise DataError(f"{where}: no sequences found")
    lengths = raw.seq_lengths()
    steps = raw.x.shape[1]
    valid = np.arange(steps)[None, :] < lengths[:, None]
    x = norm.apply_columns(raw.x, pre.feature_stats)
    x[~valid] = 0.0
    y, mask = None, None
    if raw.y is not None:
        if pre.task == Task.CLASSIFICATION:
            labels = raw.y[:, 0] if raw.y.ndim == 2 and raw.y.shape[1] == 1 else raw.y
            y, _ = _encode(labels, pre.class_names, None, where)
        elif pre.task == Task.TAGGING:
            y, _ = _encode(raw.y, pre.class_names, valid, where)
            y, mask = np.where(valid, y, 0), valid
        else:
            y = lab.as_float_targets(raw.y, where).astype(np.float64)
            if y.shape[1] != pre.output_size:
                raise DataError(
                    f"{where}: {y.shape[1]} targets per sequence, the model predicts "
                    f"{pre.output_size} ({', '.join(pre.target_names)})"
                )
    origins = raw.origins or [f"sequence {i}" for i in range(raw.n)]
    return Inputs(x, lengths, y, mask, list(origins), where, raw.notes)


def _encode(labels, class_names, valid, where):
    if class_names is None:
        raise DataError(f"{where}: this run has no class names")
    text = lab.as_label_strings(np.asarray(labels))
    seen = text if valid is None else text[valid]
    unknown = sorted(set(map(str, np.unique(seen.astype(str)))) - set(class_names))
    if unknown:
        raise DataError(
            f"{where}: label{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown[:5])} not seen in training",
            f"the model knows: {', '.join(class_names[:20])}",
        )
    index = {name: i for i, name in enumerate(class_names)}
    uniq, inverse = np.unique(text.astype(str), return_inverse=True)
    lookup = np.array([index.get(str(u), 0) for u in uniq], dtype=np.int64)
    return lookup[inverse.reshape(-1)].reshape(text.shape), class_names
