"""What the data layer hands to training and the GUI: splits of tensors plus a summary.

Everything here is plain data. Tensors stay on the CPU; the training loop moves batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core.spec.task import VALUE_TASKS

if TYPE_CHECKING:  # torch loads when tensors are built, so a bad file fails fast
    import torch
    from torch import Tensor


@dataclass
class SequenceSplit:
    """One of train / val / test.

    ``x``: float32 [N, T, F] (numeric), int64 [N, T] (tokens) or [L] (a language-model
    token stream: ids in the smallest integer dtype, the three splits views of one stream).
    ``y``: int64 [N] (classification), float32 [N, K] (regression/forecasting), int64 [N, T]
    (tagging) or None (language model: targets are the stream shifted by one).
    ``lengths``: int64 [N] valid steps, None when every sequence fills all T steps.
    ``mask``: bool [N, T] valid per-step targets (tagging), else None.
    """

    x: Tensor
    y: Tensor | None = None
    lengths: Tensor | None = None
    mask: Tensor | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def is_stream(self) -> bool:
        return self.x.dim() == 1

    @classmethod
    def empty_like(cls, other: SequenceSplit) -> SequenceSplit:
        """A split with the same shapes as ``other`` but no sequences."""

        def cut(t: Tensor | None) -> Tensor | None:
            return None if t is None else t[:0].clone()

        return cls(cut(other.x), cut(other.y), cut(other.lengths), cut(other.mask))


@dataclass
class DataSummary:
    """What the loader saw: feeds ``workbench data inspect`` and the GUI's data panel."""

    format: str
    source: str
    task: str
    n_sequences: int = 0
    #: A separate test file paired with the source (e.g. *_TEST.ts), and its sequence count
    #: (included in ``n_sequences``).
    test_file: str | None = None
    n_test_file: int = 0
    length_min: int = 0
    length_median: float = 0.0
    length_max: int = 0
    n_features: int = 0
    feature_names: list[str] = field(default_factory=list)
    target_names: list[str] = field(default_factory=list)
    class_counts: dict[str, int] | None = None
    missing_values: int = 0
    split_sizes: dict[str, int] = field(default_factory=lambda: {"train": 0, "val": 0, "test": 0})
    split_kind: str = ""
    vocab_size: int | None = None
    #: Outputs the model's head needs (classes, targets x horizon, vocabulary).
    output_size: int = 0
    n_tokens: int | None = None
    normalization: str = "none"
    preview_header: list[str] = field(default_factory=list)
    preview_rows: list[list[str]] = field(default_factory=list)
    #: What each preview cell was read as (None: text or missing), when the reader knows.
    preview_parsed: list[list[float | None]] = field(default_factory=list)
    #: Columns of the file left out without being asked to: name -> why (e.g. text).
    dropped_columns: dict[str, str] = field(default_factory=dict)
    #: A few sequences as float arrays [T, F] for plotting (not in ``to_dict``).
    preview_series: list[np.ndarray] = field(default_factory=list)
    #: The class of each preview sequence (classification), to colour them by class.
    preview_labels: list[str] = field(default_factory=list)
    #: For windows cut from one series: the series [L, F] (raw units), the indices where the
    #: val and test parts start, and the window length (not in ``to_dict`` except the bounds).
    series: np.ndarray | None = None
    series_names: list[str] = field(default_factory=list)
    split_bounds: list[int] | None = None
    window: int | None = None
    horizon: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: plain numbers and strings, no big arrays."""
        out: dict[str, Any] = {
            "format": self.format,
            "source": self.source,
            "task": self.task,
            "n_sequences": int(self.n_sequences),
            "test_file": self.test_file,
            "n_train_file": int(self.n_sequences - self.n_test_file),
            "n_test_file": int(self.n_test_file),
            "length_min": int(self.length_min),
            "length_median": float(self.length_median),
            "length_max": int(self.length_max),
            "n_features": int(self.n_features),
            "feature_names": list(self.feature_names),
            "target_names": list(self.target_names),
            "class_counts": None if self.class_counts is None else dict(self.class_counts),
            "missing_values": int(self.missing_values),
            "split_sizes": {k: int(v) for k, v in self.split_sizes.items()},
            "split_kind": self.split_kind,
            "vocab_size": self.vocab_size,
            "n_tokens": self.n_tokens,
            "normalization": self.normalization,
            "preview_header": list(self.preview_header),
            "preview_rows": [list(r) for r in self.preview_rows],
            "preview_parsed": [
                [None if v is None or not math.isfinite(v) else float(v) for v in r]
                for r in self.preview_parsed
            ],
            "dropped_columns": [
                {"name": name, "reason": why} for name, why in self.dropped_columns.items()
            ],
            "series_length": None if self.series is None else int(self.series.shape[0]),
            "series_names": list(self.series_names),
            "split_bounds": None
            if self.split_bounds is None
            else [int(b) for b in self.split_bounds],
            "window": self.window,
            "horizon": self.horizon,
            "notes": list(self.notes),
        }
        return out

    def preview_shown(self) -> list[list[str]]:
        """Preview rows as shown: a cell read as another number than its text says gets
        ``raw → value`` (``1.234,5 → 1234.5``), so a misread is visible."""
        parsed = self.preview_parsed
        return [
            _with_parsed(r, parsed[i] if i < len(parsed) else None)
            for i, r in enumerate(self.preview_rows)
        ]

    def run_notes(self) -> list[str]:
        """What a training run should say about its data: the columns left out unasked and
        the paired test file (empty when neither)."""
        notes = []
        if self.dropped_columns:
            shown = "; ".join(f"{n!r} {why}" for n, why in self.dropped_columns.items())
            notes.append(f"columns left out: {_clip(shown, 300)}")
        if self.test_file:
            notes.append(
                f"test part: {self.test_file} ({self.n_test_file:,} sequences); the source's "
                f"{self.n_sequences - self.n_test_file:,} give train and validation"
            )
        return notes

    def to_text(self) -> str:
        """A human-readable table."""
        rows: list[tuple[str, str]] = [
            ("format", self.format),
            ("source", self.source),
            ("task", self.task),
        ]
        if self.n_tokens is not None:
            rows.append(("tokens", f"{self.n_tokens:,}"))
            rows.append(("vocabulary", f"{self.vocab_size} (from the training split)"))
        else:
            if self.test_file:
                rows.append(
                    (
                        "sequences",
                        f"{self.n_sequences - self.n_test_file:,} in the source, "
                        f"{self.n_test_file:,} in the test file {self.test_file}",
                    )
                )
            else:
                rows.append(("sequences", f"{self.n_sequences:,}"))
            rows.append(
                (
                    "length",
                    f"min {self.length_min}, median {self.length_median:g}, max {self.length_max}",
                )
            )
            rows.append(("features", f"{self.n_features}: {_names(self.feature_names)}"))
        if self.series is not None:
            rows.append(
                (
                    "series",
                    f"{self.series.shape[0]} steps, window {self.window}, horizon {self.horizon}",
                )
            )
        if self.target_names:
            rows.append(("targets", _names(self.target_names)))
        if self.class_counts:
            counts = ", ".join(f"{k}: {v}" for k, v in self.class_counts.items())
            rows.append(("classes", f"{len(self.class_counts)} ({_clip(counts, 200)})"))
        if self.dropped_columns:
            shown = "; ".join(f"{n!r} {why}" for n, why in self.dropped_columns.items())
            rows.append(("columns left out", _clip(shown, 300)))
        rows.append(("missing values", str(self.missing_values)))
        sizes = self.split_sizes
        unit = "tokens" if self.n_tokens is not None else "sequences"
        rows.append(
            (
                "splits",
                f"train {sizes.get('train', 0)}, val {sizes.get('val', 0)}, "
                f"test {sizes.get('test', 0)} {unit} ({self.split_kind})",
            )
        )
        rows.append(("normalization", self.normalization))
        width = max(len(k) for k, _ in rows)
        lines = [f"{k:<{width}}  {v}" for k, v in rows]
        for i, note in enumerate(self.notes):  # under the table's own "notes" heading
            lines.append(f"{'notes' if i == 0 else '':<{width}}  {note}")
        if self.preview_rows:
            lines.append("")
            lines.append("first rows:")
            shown_rows = self.preview_shown()[:10]
            table = ([self.preview_header] if self.preview_header else []) + shown_rows
            widths = [
                min(
                    24 if any("→" in str(r[i]) for r in table if i < len(r)) else 14,
                    max(len(str(r[i])) for r in table if i < len(r)),
                )
                for i in range(max(map(len, table)))
            ]
            for r in table:
                lines.append("  " + "  ".join(_clip(str(c), w).ljust(w) for c, w in zip(r, widths)))
        return "\n".join(lines)


def _with_parsed(row: list[str], parsed: list[float | None] | None) -> list[str]:
    """Raw cells, each followed by what it was read as when that differs from its text."""
    if not parsed:
        return [str(c) for c in row]
    out = []
    for cell, value in zip(row, parsed):
        text = str(cell).strip()
        if value is None or text == f"{value:g}" or _same_number(text, value):
            out.append(text)
        else:
            out.append(f"{text} → {value:g}")
    return out


def _same_number(text: str, value: float) -> bool:
    try:
        return float(text) == value and "," not in text
    except ValueError:
        return False


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def _names(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


@dataclass
class SeriesTargets:
    """Windows cut from one series: where each window's targets start, and what turning
    predictions back into original units (and the naive baselines) needs.

    ``original``: the target columns [L, C] in original units (float64). ``positions``: per
    split, the series index of each window's first target step (int64 [N], in window order).
    """

    original: np.ndarray
    positions: dict[str, np.ndarray]
    transform: Any  # TargetTransform (imported lazily: prepared.py stays import-light)
    horizon: int
    season: int

    def history(self, split: str, rows: slice | np.ndarray, steps: int) -> np.ndarray:
        """[N, steps, C] original values just before each selected window's first target."""
        pos = self.positions[split][rows]
        if steps == 0:
            return np.zeros((len(pos), 0, self.original.shape[1]))
        index = pos[:, None] + np.arange(-steps, 0)[None, :]
        return self.original[index]

    def state(self) -> dict[str, Any]:
        """JSON for the run folder (``data.target_transform_state``)."""
        return {"transform": self.transform.to_dict(), "season": int(self.season)}


@dataclass
class PreparedData:
    """Splits ready for training plus everything needed to size the model and read results."""

    task: str
    train: SequenceSplit
    val: SequenceSplit
    test: SequenceSplit
    n_features: int
    vocab: list[str] | None
    output_size: int
    class_names: list[str] | None
    target_names: list[str]
    normalization_stats: dict[str, Any] | None
    summary: DataSummary
    #: Tokens are joined with this when decoding ('' for characters, ' ' for words).
    token_joiner: str = ""
    #: Windows cut from one series (forecasting / regression on a wide CSV …), else None.
    series_targets: SeriesTargets | None = None

    def targets_to_original_units(
        self, y: np.ndarray | Tensor, split: str | None = None, start: int = 0
    ) -> np.ndarray:
        """Regression/forecasting outputs [N, K] in original units: scaling undone, then the
        target transforms inverted. With transforms, ``split`` and ``start`` say which windows
        ``y`` holds (rows ``start`` … ``start + N`` of that split): inverting a difference
        needs the values before each window's targets."""
        arr = self.unscale_targets(y)
        st = self.series_targets
        if st is None or st.transform.is_identity or self.task not in VALUE_TASKS:
            return arr
        if split is None:
            raise ValueError("targets with transforms need their split to be turned back")
        n, k = arr.shape
        width = st.original.shape[1]
        rows = slice(start, start + n)
        history = st.history(split, rows, st.transform.history)
        back = st.transform.invert(arr.reshape(n, k // width, width), history)
        return back.reshape(n, k)

    def invert_path(self, values: np.ndarray, split: str, row: int) -> np.ndarray:
        """A multi-step path [H, C] (scaling already undone) that starts at window ``row`` of
        ``split`` (e.g. an autoregressive rollout), in original units."""
        st = self.series_targets
        values = np.asarray(values, dtype=np.float64)
        if st is None or st.transform.is_identity:
            return values
        history = st.history(split, slice(row, row + 1), st.transform.history)
        return st.transform.invert(values[None], history)[0]

    def unscale_targets(self, y: np.ndarray | Tensor) -> np.ndarray:
        """Undo the target scaling of regression/forecasting outputs ([..., K])."""
        arr = y.detach().cpu().numpy() if hasattr(y, "detach") else np.asarray(y)
        arr = arr.astype(np.float64, copy=True)
        stats = (self.normalization_stats or {}).get("targets")
        if not stats or self.task not in VALUE_TASKS:
            return arr
        center = np.asarray(stats["center"], dtype=np.float64)
        scale = np.asarray(stats["scale"], dtype=np.float64)
        k = arr.shape[-1] if arr.ndim else 1
        reps = max(1, k // max(1, center.size))
        # Forecast targets are laid out step-major: [h0t0, h0t1, …, h1t0, …].
        return arr * np.tile(scale, reps)[:k] + np.tile(center, reps)[:k]

    def decode(self, ids: Any) -> str:
        """Language model: token ids → text."""
        if self.vocab is None:
            raise ValueError("decode needs token data")
        if hasattr(ids, "detach"):
            ids = ids.detach().cpu().reshape(-1).tolist()
        vocab = self.vocab
        return self.token_joiner.join(
            vocab[int(i)] if 0 <= int(i) < len(vocab) else "<unk>" for i in ids
        )

    def split(self, name: str) -> SequenceSplit:
        return {"train": self.train, "val": self.val, "test": self.test}[name]


def as_tensor(array: np.ndarray | None, dtype: torch.dtype) -> Tensor | None:
    """NumPy → CPU tensor of ``dtype``, sharing memory when the dtype already matches."""
    import torch

    if array is None:
        return None
    array = np.ascontiguousarray(array)
    return torch.from_numpy(array).to(dtype)
