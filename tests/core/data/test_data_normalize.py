"""Scaling is fitted on the training split only, and can be undone."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.core.data import load_data
from workbench.core.spec.project import DataSpec, SplitSpec


def _constant_sequences(tmp_path, n: int = 50) -> str:
    # sequence i is the constant value i (feature) with target 10 * i: the split is readable
    x = np.repeat(np.arange(n, dtype=np.float32)[:, None, None], 6, axis=1)
    np.savez(tmp_path / "c.npz", X=x, y=10.0 * np.arange(n, dtype=np.float32))
    return str(tmp_path / "c.npz")


@pytest.mark.parametrize("method", ["zscore", "minmax"])
def test_sequence_stats_come_from_training_sequences_only(tmp_path, method):
    spec = DataSpec(
        source=_constant_sequences(tmp_path),
        task="regression",
        normalization=method,
        split=SplitSpec(val_fraction=0.2, test_fraction=0.2, seed=3),
    )
    d = load_data(spec)
    stats = d.normalization_stats
    train_ids = np.sort(d.targets_to_original_units(d.train.y)[:, 0] / 10).round().astype(int)
    held_out = np.sort(d.targets_to_original_units(torch.cat([d.val.y, d.test.y]))[:, 0] / 10)
    assert len(train_ids) == 30 and len(held_out) == 20
    if method == "zscore":
        want_center, want_scale = train_ids.mean(), train_ids.std()
    else:
        want_center, want_scale = train_ids.min(), train_ids.max() - train_ids.min()
    assert stats["features"]["center"][0] == pytest.approx(want_center)
    assert stats["features"]["scale"][0] == pytest.approx(want_scale)
    assert stats["targets"]["center"][0] == pytest.approx(10 * want_center)
    # the held-out values would have moved the statistics
    all_ids = np.arange(50)
    assert (
        abs(all_ids.mean() - train_ids.mean()) > 0.01 or abs(all_ids.std() - train_ids.std()) > 0.01
    )
    # and the scaled values undo exactly
    assert np.allclose(np.sort(held_out), np.sort(held_out).round(), atol=1e-3)


def test_changing_held_out_data_leaves_the_stats_unchanged(tmp_path):
    path = _constant_sequences(tmp_path)
    spec = DataSpec(
        source=path, task="regression", split=SplitSpec(val_fraction=0.2, test_fraction=0.2)
    )
    first = load_data(spec)
    held = np.concatenate([_ids(first, first.val), _ids(first, first.test)])
    assert len(held) == 20
    data = np.load(path)
    x, y = data["X"].copy(), data["y"].copy()
    x[held] *= 1000.0  # only validation / test sequences change
    y[held] *= 1000.0
    np.savez(path, X=x, y=y)
    second = load_data(spec)
    assert second.normalization_stats == first.normalization_stats
    assert torch.equal(second.train.x, first.train.x)


def _ids(data, split) -> np.ndarray:
    """Row numbers of a split's sequences (target = 10 x row number)."""
    return (data.targets_to_original_units(split.y)[:, 0] / 10).round().astype(int)


def test_none_keeps_raw_values(tmp_path):
    d = load_data(
        DataSpec(source=_constant_sequences(tmp_path), task="regression", normalization="none")
    )
    assert d.normalization_stats is None
    assert set(torch.unique(d.train.x).tolist()) <= set(range(50))
