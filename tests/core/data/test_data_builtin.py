"""Built-in generators end to end: shapes, splits, scaling fitted on train, learnable structure."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.core.data import load_data
from workbench.core.errors import DataError
from workbench.core.spec.project import DataSpec


def _spec(name: str, task: str, **kw) -> DataSpec:
    return DataSpec(source=f"builtin:{name}", task=task, **kw)


def test_seed_shapes_and_split_sizes():
    d = load_data(_spec("seed", "classification", builtin={"n_samples": 1000}))
    assert d.train.x.shape == (700, 10, 10) and d.train.x.dtype == torch.float32
    assert d.train.y.shape == (700,) and d.train.y.dtype == torch.int64
    assert (len(d.train), len(d.val), len(d.test)) == (700, 150, 150)
    assert d.n_features == 10 and d.output_size == 10 and len(d.class_names) == 10
    assert d.train.lengths is None and d.train.mask is None
    assert d.summary.split_sizes == {"train": 700, "val": 150, "test": 150}


def test_seed_is_learnable_by_a_nearest_template_rule():
    # The class means of the training split classify held-out data far above chance (10%).
    d = load_data(_spec("seed", "classification", builtin={"n_samples": 2000}))
    x, y = d.train.x.reshape(len(d.train), -1), d.train.y
    means = torch.stack([x[y == c].mean(0) for c in range(10)])
    xt = d.test.x.reshape(len(d.test), -1)
    pred = torch.cdist(xt, means).argmin(1)
    assert (pred == d.test.y).float().mean() > 0.8


def test_generators_are_seeded():
    a = load_data(_spec("adding", "regression", builtin={"n_samples": 50, "length": 20, "seed": 3}))
    b = load_data(_spec("adding", "regression", builtin={"n_samples": 50, "length": 20, "seed": 3}))
    c = load_data(_spec("adding", "regression", builtin={"n_samples": 50, "length": 20, "seed": 4}))
    assert torch.equal(a.train.x, b.train.x)
    assert not torch.equal(a.train.x, c.train.x)


def test_adding_targets_are_the_sum_of_the_marked_values():
    d = load_data(
        _spec(
            "adding", "regression", normalization="none", builtin={"n_samples": 200, "length": 30}
        )
    )
    x, y = d.train.x, d.train.y
    assert x.shape[1:] == (30, 2) and y.shape == (len(d.train), 1)
    assert torch.all(x[:, :, 1].sum(1) == 2)
    expected = (x[:, :, 0] * x[:, :, 1]).sum(1, keepdim=True)
    assert torch.allclose(y, expected, atol=1e-6)
    # one marker in each half: a long-range dependency
    assert torch.all(x[:, :15, 1].sum(1) == 1)


def test_adding_targets_scaled_and_restored():
    d = load_data(_spec("adding", "regression", normalization="zscore", builtin={"n_samples": 300}))
    stats = d.normalization_stats["targets"]
    assert abs(float(d.train.y.mean())) < 1e-4
    restored = d.targets_to_original_units(d.train.y)
    x = d.train.x  # features are scaled too; the marker column is still two distinct values
    assert restored.min() >= 0.0 and restored.max() <= 2.0
    assert stats["center"][0] == pytest.approx(float(restored.mean()), abs=1e-4)
    assert len(torch.unique(x[:, :, 1])) == 2


def test_copy_memory_targets_repeat_the_symbols():
    d = load_data(
        _spec(
            "copy",
            "tagging",
            normalization="none",
            builtin={"n_samples": 64, "delay": 5, "copy_length": 4},
        )
    )
    x, y = d.train.x, d.train.y
    assert x.shape[1] == 4 + 5 + 1 + 4 and y.shape == x.shape[:2]
    assert d.train.mask is not None and bool(d.train.mask.all())
    symbols = x[:, :4, :].argmax(-1)
    assert torch.equal(y[:, -4:], symbols)
    assert torch.all(y[:, :-4] == 0)
    assert d.class_names[0] == "blank" and d.output_size == 9


def test_sine_forecast_windows_are_chronological_views():
    d = load_data(_spec("sine", "forecasting", window=16, horizon=3, builtin={"length": 500}))
    assert d.train.x.shape[1:] == (16, 1) and d.train.y.shape[1] == 3 and d.output_size == 3
    lo, hi = d.summary.split_bounds
    assert d.summary.series.shape == (500, 1)
    # train windows end before val begins; a val window's targets lie inside val, its inputs
    # may reach back into train
    assert len(d.train) == lo - 16 - 3 + 1
    assert len(d.val) == (hi - lo) - 3 + 1
    # the x tensor is a strided view: consecutive windows share storage
    assert d.train.x.stride(0) == 1 and not d.train.x.is_contiguous()


def test_sine_target_is_the_next_value():
    d = load_data(
        _spec(
            "sine",
            "forecasting",
            normalization="none",
            window=8,
            horizon=2,
            builtin={"length": 200},
        )
    )
    series = torch.from_numpy(d.summary.series[:, 0].astype(np.float32))
    for i in (0, 5, 40):
        assert torch.allclose(d.train.x[i, :, 0], series[i : i + 8])
        assert torch.allclose(d.train.y[i], series[i + 8 : i + 10])


def test_task_mismatch_and_unknown_builtin_are_data_errors():
    with pytest.raises(DataError, match="builtin:adding.*regression"):
        load_data(_spec("adding", "classification"))
    with pytest.raises(DataError, match="builtin:nope"):
        load_data(_spec("nope", "classification"))
    with pytest.raises(DataError, match="unknown parameter 'lenght'"):
        load_data(_spec("adding", "regression", builtin={"lenght": 5}))


@pytest.mark.parametrize(
    ("source", "task"),
    [
        ("builtin:seed", "classification"),
        ("builtin:sine", "forecasting"),
        ("resource:shakespeare.txt", "language_model"),
    ],
)
def test_inspect_sees_what_load_builds(source, task):
    from workbench.core.data import inspect_data

    spec = DataSpec(source=source, task=task, builtin={"length": 300} if "sine" in source else {})
    summary = inspect_data(spec)
    loaded = load_data(spec)
    assert summary.to_dict() == loaded.summary.to_dict()
    assert summary.split_sizes == {
        "train": len(loaded.train),
        "val": len(loaded.val),
        "test": len(loaded.test),
    }
