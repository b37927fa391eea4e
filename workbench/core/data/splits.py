"""Train / validation / test splits: random for independent sequences, chronological (with an
optional gap) for windows cut from one series, so no window ever straddles two splits."""

from __future__ import annotations

import numpy as np

from workbench.core.errors import DataError


def split_counts(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    n_val = int(round(n * val_fraction))
    n_test = int(round(n * test_fraction))
    return n - n_val - n_test, n_val, n_test


def random_split(
    n: int, val_fraction: float, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index arrays (each sorted) of a seeded random split of ``n`` items."""
    n_train, n_val, _ = split_counts(n, val_fraction, test_fraction)
    order = np.random.default_rng(seed).permutation(n)
    parts = order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]
    return tuple(np.sort(p) for p in parts)  # type: ignore[return-value]


def stratified_split(
    labels: np.ndarray, val_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train, val) index arrays with each class split in the same proportion.

    Each class gives ``round(count * val_fraction)`` items to validation, but never its last
    one: a class seen once stays in training.
    """
    rng = np.random.default_rng(seed)
    val: list[np.ndarray] = []
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        take = min(int(round(len(members) * val_fraction)), len(members) - 1)
        if take > 0:
            val.append(rng.permutation(members)[:take])
    val_idx = np.sort(np.concatenate(val)) if val else np.zeros(0, dtype=np.int64)
    train_idx = np.setdiff1d(np.arange(len(labels)), val_idx)
    return train_idx, val_idx


def ordered_split(
    n: int, val_fraction: float, test_fraction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index arrays of a split that keeps the file order (first part trains)."""
    n_train, n_val, _ = split_counts(n, val_fraction, test_fraction)
    idx = np.arange(n)
    return idx[:n_train], idx[n_train : n_train + n_val], idx[n_train + n_val :]


def chronological_bounds(
    length: int, val_fraction: float, test_fraction: float, gap: int
) -> list[tuple[int, int]]:
    """[start, stop) of the train, val and test parts of a series of ``length`` steps.

    ``gap`` steps are left out before the val and the test part. An empty part is (s, s).
    """
    n_train, n_val, _ = split_counts(length, val_fraction, test_fraction)
    train = (0, n_train)
    val_start = min(length, n_train + (gap if n_val else 0))
    val = (val_start, min(length, max(val_start, n_train + n_val)))
    test_start = min(length, val[1] + (gap if length - (n_train + n_val) > 0 else 0))
    test = (test_start, length)
    return [train, val, test]


def require_train(n_train: int, where: str, what: str = "sequences") -> None:
    if n_train <= 0:
        raise DataError(
            f"{where}: the split leaves no {what} for training",
            "lower the validation/test fractions (or the gap / window), or use more data",
        )
