"""What a format reader hands to the preparation step, before splits and normalization.

Readers only parse; every policy (missing values, splits, scaling, windows) lives in one place
(``prepare``) so all formats behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Preview:
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    #: What each cell was read as (None: text or missing), beside the raw cells, when known.
    parsed: list[list[float | None]] = field(default_factory=list)


@dataclass
class RawSequences:
    """Independent sequences: x float32 [N, T, F], padded past ``lengths`` (NaN = missing)."""

    x: np.ndarray
    lengths: np.ndarray | None
    #: [N] labels (str / int / float), [N, K] numeric targets, [N, T] per-step labels, or None.
    y: np.ndarray | None
    feature_names: list[str]
    target_names: list[str]
    #: Where each sequence came from, for messages ("row 12", "line 40").
    origins: list[str] | None = None
    #: A second part with the file's own test set (UCR/UEA _TRAIN/_TEST pairs).
    test: RawSequences | None = None
    #: How messages name the file these sequences came from (set for a test part).
    where: str | None = None
    #: The problem name a file declares (.ts @problemName), to check a train/test pair.
    problem: str | None = None
    #: Fixed class list (e.g. from a .ts header), in order.
    class_names: list[str] | None = None
    #: ``y`` already holds ids into ``class_names`` (built-in data).
    labels_are_ids: bool = False
    missing_count: int = 0
    first_missing: str | None = None
    preview: Preview = field(default_factory=Preview)
    notes: list[str] = field(default_factory=list)
    #: Columns of the file left out without being asked to (name -> why), for every surface.
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def seq_lengths(self) -> np.ndarray:
        if self.lengths is None:
            return np.full(self.n, self.x.shape[1], dtype=np.int64)
        return self.lengths


@dataclass
class RawSeries:
    """One long series [L, C] (rows are time steps) to be cut into windows."""

    values: np.ndarray
    columns: list[str]
    feature_idx: list[int]
    target_idx: list[int]
    missing_count: int = 0
    first_missing: str | None = None
    preview: Preview = field(default_factory=Preview)
    notes: list[str] = field(default_factory=list)
    #: Columns of the file left out without being asked to (name -> why), for every surface.
    dropped: dict[str, str] = field(default_factory=dict)
    #: The time column's cells [L] as read (for guessing the season), or None without one.
    time_values: np.ndarray | None = None


@dataclass
class RawText:
    text: str
    preview: Preview = field(default_factory=Preview)
    notes: list[str] = field(default_factory=list)
    #: Columns of the file left out without being asked to (name -> why), for every surface.
    dropped: dict[str, str] = field(default_factory=dict)


Raw = RawSequences | RawSeries | RawText


def count_missing(values: np.ndarray) -> int:
    return int(np.count_nonzero(np.isnan(values))) if values.dtype.kind == "f" else 0
