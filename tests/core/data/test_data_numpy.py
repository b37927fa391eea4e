"""NumPy .npy / .npz: shapes, names, memory maps, one-series windows, predefined test file."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.core.data import load_data, numpy_format
from workbench.core.spec.project import DataSpec, SplitSpec

NO_VAL = SplitSpec(val_fraction=0.0, test_fraction=0.25)


def test_npz_with_custom_keys_and_3d_inputs(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 7, 3)).astype(np.float32)
    y = rng.integers(0, 4, size=40)
    np.savez(tmp_path / "d.npz", inputs=x, labels=y)
    d = load_data(
        DataSpec(
            source=str(tmp_path / "d.npz"),
            x_key="inputs",
            y_key="labels",
            normalization="none",
            split=NO_VAL,
        )
    )
    assert d.n_features == 3 and d.output_size == 4
    assert len(d.train) == 30 and len(d.test) == 10
    # the split is a permutation of the file's rows: every row is present once
    rows = torch.cat([d.train.x, d.test.x]).reshape(40, -1)
    assert sorted(map(tuple, rows.numpy().round(5))) == sorted(
        map(tuple, x.reshape(40, -1).round(5))
    )


def test_npy_2d_inputs_get_one_feature_and_labels_from_a_sibling(tmp_path):
    x = np.arange(60, dtype=np.float64).reshape(12, 5)
    np.save(tmp_path / "seqs.npy", x)
    np.save(tmp_path / "seqs_y.npy", np.arange(12, dtype=np.float32) / 2)
    d = load_data(
        DataSpec(
            source=str(tmp_path / "seqs.npy"),
            task="regression",
            normalization="none",
            split=SplitSpec(kind="chronological", val_fraction=0.0, test_fraction=0.0),
        )
    )
    assert d.train.x.shape == (12, 5, 1) and d.train.x.dtype == torch.float32
    assert d.train.y[:, 0].tolist() == [i / 2 for i in range(12)]


def test_per_step_labels_for_tagging(tmp_path):
    x = np.random.default_rng(1).normal(size=(10, 6, 2))
    y = (x[:, :, 0] > 0).astype(np.int64)
    np.savez(tmp_path / "t.npz", X=x, y=y)
    d = load_data(
        DataSpec(
            source=str(tmp_path / "t.npz"),
            task="tagging",
            split=SplitSpec(kind="chronological", val_fraction=0.0, test_fraction=0.0),
        )
    )
    assert d.train.y.shape == (10, 6) and d.train.mask.all()
    assert torch.equal(d.train.y, torch.from_numpy(y))


def test_large_npy_is_memory_mapped(tmp_path, monkeypatch):
    monkeypatch.setattr(numpy_format, "MMAP_BYTES", 100)
    np.save(tmp_path / "big.npy", np.ones((20, 4, 2), dtype=np.float32))
    arr = numpy_format._load_npy(tmp_path / "big.npy", "big.npy")
    assert isinstance(arr, np.memmap)


def test_one_series_becomes_windows_for_forecasting(tmp_path):
    series = np.stack([np.arange(50.0), np.arange(50.0) * 10], axis=1)
    np.save(tmp_path / "s.npy", series)
    d = load_data(
        DataSpec(
            source=str(tmp_path / "s.npy"),
            task="forecasting",
            window=5,
            target_columns=["1"],
            normalization="none",
            split=SplitSpec(val_fraction=0.0, test_fraction=0.0),
        )
    )
    assert d.train.x.shape == (45, 5, 2)
    assert float(d.train.y[0, 0]) == 50.0


def test_predefined_train_test_pair(tmp_path):
    rng = np.random.default_rng(2)
    for part, n in (("TRAIN", 20), ("TEST", 8)):
        np.savez(tmp_path / f"p_{part}.npz", X=rng.normal(size=(n, 4)), y=rng.integers(0, 2, n))
    spec = DataSpec(
        source=str(tmp_path / "p_TRAIN.npz"),
        test_source=str(tmp_path / "p_TEST.npz"),
        split=SplitSpec(val_fraction=0.25, test_fraction=0.0),
    )
    d = load_data(spec)
    assert (len(d.train), len(d.val), len(d.test)) == (15, 5, 8)
    assert d.summary.split_kind.startswith("test set from the test file")


@pytest.mark.parametrize("bad", ["X", "y"])
def test_non_numeric_arrays_are_refused(tmp_path, bad):
    from workbench.core.errors import DataError

    x = np.zeros((3, 4))
    y = np.zeros(3)
    arrays = {"X": x, "y": y}
    arrays[bad] = np.array([["a"] * 4] * 3) if bad == "X" else np.array([1 + 2j] * 3)
    np.savez(tmp_path / "s.npz", **arrays)
    with pytest.raises(DataError, match=f"s.npz: {bad} has dtype"):
        load_data(DataSpec(source=str(tmp_path / "s.npz")))
