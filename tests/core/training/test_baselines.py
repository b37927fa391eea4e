"""Baselines equal a hand computation on small data, and reach the run's metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from workbench.core.data import load_data
from workbench.core.data.prepared import PreparedData, SequenceSplit
from workbench.core.spec.project import DataSpec, SplitSpec
from workbench.core.training.baselines import baseline_name, skill, split_baselines
from workbench.core.training.tasks import TaskLogic

# 20 steps with a season of 4 and a trend; the last 4 steps are the test part.
SERIES = [10 + 2 * i + [0, 5, 1, -3][i % 4] for i in range(20)]


def _series_data(tmp_path, horizon: int, **kw):
    path = tmp_path / "s.csv"
    path.write_text("v\n" + "".join(f"{v}\n" for v in SERIES))
    spec = DataSpec(
        source=str(path),
        task="forecasting",
        window=3,
        horizon=horizon,
        season=4,
        split=SplitSpec(val_fraction=0.0, test_fraction=0.2),
        **kw,
    )
    return load_data(spec)


@pytest.mark.parametrize("horizon", [1, 2])
def test_naive_and_seasonal_naive_by_hand(tmp_path, horizon):
    d = _series_data(tmp_path, horizon)
    s = np.array(SERIES, dtype=float)
    firsts = range(16, 20 - horizon + 1)  # every window whose targets lie in steps 16..19
    true = np.array([s[p : p + horizon] for p in firsts])
    naive = np.array([[s[p - 1]] * horizon for p in firsts])
    seasonal = np.array([[s[p - 4 + h] for h in range(horizon)] for p in firsts])
    m = split_baselines(d, "test")
    assert m["test_naive_rmse"] == pytest.approx(np.sqrt(np.mean((naive - true) ** 2)))
    assert m["test_naive_mae"] == pytest.approx(np.mean(np.abs(naive - true)))
    assert m["test_seasonal_naive_rmse"] == pytest.approx(np.sqrt(np.mean((seasonal - true) ** 2)))
    assert m["test_seasonal_naive_mae"] == pytest.approx(np.mean(np.abs(seasonal - true)))
    assert m["test_baseline_rmse"] == m["test_seasonal_naive_rmse"]
    assert baseline_name(d) == "seasonal naive (lag 4)"
    # The season-4 trend makes the seasonal guess exactly 8 too low on every target.
    assert m["test_seasonal_naive_mae"] == pytest.approx(8.0)


def test_baselines_are_on_the_models_targets_in_original_units(tmp_path):
    # A "model" that predicts the true targets scores 0 and has skill 1.
    d = _series_data(tmp_path, 2, target_transforms=["difference"])
    task = TaskLogic("forecasting", "mse", d)
    sums = task.new_sums(torch.device("cpu"))
    task.add(sums, d.test.y, d.test.y)
    metrics = task.finish(sums, "test")
    assert metrics["test_rmse"] == pytest.approx(0.0, abs=1e-4)
    assert metrics["test_skill"] == pytest.approx(1.0, abs=1e-5)
    assert metrics["test_seasonal_naive_mae"] == pytest.approx(8.0)
    assert skill({"val_rmse": 3.0, "val_baseline_rmse": 4.0}, "val") == {"val_skill": 0.25}


def _prepared(task: str, train: SequenceSplit, test: SequenceSplit, **kw) -> PreparedData:
    from workbench.core.data.prepared import DataSummary

    return PreparedData(
        task=task,
        train=train,
        val=SequenceSplit.empty_like(test),
        test=test,
        n_features=1,
        vocab=kw.pop("vocab", None),
        output_size=3,
        class_names=None,
        target_names=["y"],
        normalization_stats=kw.pop("stats", None),
        summary=DataSummary(format="x", source="x", task=task),
    )


def test_majority_class_and_mean_predictor_by_hand():
    x = torch.zeros(6, 2, 1)
    train = SequenceSplit(x, torch.tensor([2, 2, 1, 0, 2, 1]))
    test = SequenceSplit(x[:4], torch.tensor([2, 1, 1, 0]))
    d = _prepared("classification", train, test)
    assert split_baselines(d, "test") == {"test_baseline_accuracy": 0.25}
    # regression: targets scaled with centre 10, scale 2 → original train mean is 10 + 2 * 0.5
    stats = {"targets": {"center": [10.0], "scale": [2.0]}}
    train = SequenceSplit(x[:2], torch.tensor([[0.0], [1.0]]))
    test = SequenceSplit(x[:2], torch.tensor([[1.0], [-1.0]]))  # originals 12 and 8
    m = split_baselines(_prepared("regression", train, test, stats=stats), "test")
    assert m["test_baseline_rmse"] == pytest.approx(math.sqrt((1**2 + 3**2) / 2))
    assert m["test_baseline_mae"] == pytest.approx(2.0)


def test_unigram_perplexity_by_hand():
    train = SequenceSplit(torch.tensor([0, 0, 0, 1]))
    test = SequenceSplit(torch.tensor([1, 0, 2]))
    d = _prepared("language_model", train, test, vocab=["a", "b", "c"])
    p = np.array([4, 2, 1]) / 7  # counts + 1
    expected = math.exp(-(math.log(p[0]) + math.log(p[2])) / 2)  # tokens after the first
    assert split_baselines(d, "test")["test_baseline_perplexity"] == pytest.approx(expected)
