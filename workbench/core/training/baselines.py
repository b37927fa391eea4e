"""The obvious guess for each task, scored on the same targets as the model.

Is the model better than the obvious guess? Every split's metrics carry the answer:

- forecasting: naive (the last observed value) and seasonal naive (the value one season
  earlier), RMSE/MAE in original units on exactly the model's val/test targets; the
  *baseline* is seasonal naive when the series has a season (> 1 step), else naive;
- regression: the mean of the training targets;
- classification / tagging: the training split's most common class (tag);
- language model: the training split's unigram distribution (add-one smoothed) → perplexity.

Metric names: ``<split>_baseline_<metric>`` (the same metric as the model's, e.g.
``val_baseline_rmse``, ``test_baseline_accuracy``), the model's ``<split>_skill``
(1 − RMSE_model / RMSE_baseline; > 0 beats it) and, for forecasts, ``<split>_naive_rmse`` …
``<split>_seasonal_naive_mae``. Everything here is NumPy on data that is already loaded.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.core.spec.task import Task

#: Names the training code adds to a split's metrics (the model's own metric after the split).
BASELINE_TAG = "_baseline_"


def baseline_name(data: Any) -> str | None:
    """What ``<split>_baseline_*`` measures, in words (None: no baseline for this data)."""
    task = data.task
    if task == Task.FORECASTING and data.series_targets is not None:
        season = data.series_targets.season
        return f"seasonal naive (lag {season})" if season > 1 else "naive (last value)"
    return {
        Task.REGRESSION: "mean of the training targets",
        Task.CLASSIFICATION: "majority class of the training split",
        Task.TAGGING: "most common tag of the training split",
        Task.LANGUAGE_MODEL: "unigram frequencies of the training split",
    }.get(task)


def split_baselines(data: Any, split: str) -> dict[str, float]:
    """Baseline metrics of ``split`` (``val`` / ``test``), named ``<split>_…``; {} when empty."""
    part = data.split(split)
    if len(part) == 0:
        return {}
    task = data.task
    if task == Task.FORECASTING and data.series_targets is not None:
        return _forecast(data, split)
    if task == Task.REGRESSION:
        return _mean_predictor(data, split)
    if task == Task.CLASSIFICATION and part.y is not None:
        return _majority(data.train.y.numpy(), part.y.numpy(), split)
    if task == Task.TAGGING and part.y is not None:
        return _majority(_valid_tags(data.train), _valid_tags(part), split)
    if task == Task.LANGUAGE_MODEL:
        return _unigram(data, split)
    return {}


def skill(metrics: dict[str, float], prefix: str) -> dict[str, float]:
    """``<prefix>_skill`` = 1 − RMSE_model / RMSE_baseline when both are there."""
    model, base = metrics.get(f"{prefix}_rmse"), metrics.get(f"{prefix}_baseline_rmse")
    if model is None or base is None or not base > 0:
        return {}
    return {f"{prefix}_skill": 1.0 - model / base}


# ---- the guesses ---------------------------------------------------------------------------
def _scores(pred: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    err = pred - true
    return float(np.sqrt(np.mean(err**2))), float(np.mean(np.abs(err)))


def forecast_guesses(data: Any, split: str) -> dict[str, np.ndarray]:
    """The true targets and each baseline's forecast of them, [N, H, C] in original units."""
    st = data.series_targets
    pos = st.positions[split]
    steps = np.arange(st.horizon)
    out = {"true": st.original[pos[:, None] + steps[None, :]]}
    out["naive"] = np.repeat(st.original[pos - 1][:, None, :], st.horizon, axis=1)
    m = st.season
    if m > 1 and len(pos) and pos.min() >= m:
        # Step h (0-based) of a forecast made at p takes the value at p − m + (h mod m).
        out["seasonal_naive"] = st.original[pos[:, None] - m + steps[None, :] % m]
    return out


def _forecast(data: Any, split: str) -> dict[str, float]:
    guesses = forecast_guesses(data, split)
    true = guesses.pop("true")
    metrics: dict[str, float] = {}
    for name, pred in guesses.items():
        if not np.isfinite(pred).all():
            continue  # a dropped (missing) value where the guess would look
        rmse, mae = _scores(pred, true)
        metrics[f"{split}_{name}_rmse"], metrics[f"{split}_{name}_mae"] = rmse, mae
    chosen = "seasonal_naive" if f"{split}_seasonal_naive_rmse" in metrics else "naive"
    if data.series_targets.season > 1 and chosen == "naive":
        return metrics  # the named baseline cannot be scored here: claim nothing
    if f"{split}_{chosen}_rmse" in metrics:
        metrics[f"{split}_baseline_rmse"] = metrics[f"{split}_{chosen}_rmse"]
        metrics[f"{split}_baseline_mae"] = metrics[f"{split}_{chosen}_mae"]
    return metrics


def _mean_predictor(data: Any, split: str) -> dict[str, float]:
    train = data.targets_to_original_units(data.train.y, "train")
    true = data.targets_to_original_units(data.split(split).y, split)
    rmse, mae = _scores(np.broadcast_to(train.mean(axis=0), true.shape), true)
    return {f"{split}_baseline_rmse": rmse, f"{split}_baseline_mae": mae}


def _valid_tags(part: Any) -> np.ndarray:
    y = part.y.numpy()
    if part.mask is not None:
        return y[part.mask.numpy().astype(bool)]
    if part.lengths is not None:
        steps = np.arange(y.shape[1])[None, :] < part.lengths.numpy()[:, None]
        return y[steps]
    return y.reshape(-1)


def majority_accuracy(train: np.ndarray, target: np.ndarray) -> float | None:
    """Accuracy on ``target`` of always answering ``train``'s most common label."""
    train, target = train.reshape(-1), target.reshape(-1)
    train, target = train[train >= 0], target[target >= 0]  # IGNORE (-100) never counts
    if not len(train) or not len(target):
        return None
    classes, counts = np.unique(train, return_counts=True)
    return float(np.mean(target == classes[np.argmax(counts)]))


def _majority(train: np.ndarray, target: np.ndarray, split: str) -> dict[str, float]:
    accuracy = majority_accuracy(train, target)
    return {} if accuracy is None else {f"{split}_baseline_accuracy": accuracy}


def _unigram(data: Any, split: str) -> dict[str, float]:
    vocab = len(data.vocab or [])
    train, tokens = data.train.x.numpy().reshape(-1), data.split(split).x.numpy().reshape(-1)
    if vocab == 0 or len(tokens) < 2:
        return {}
    counts = np.bincount(train, minlength=vocab).astype(np.float64) + 1.0  # add-one: no log 0
    log_p = np.log(counts / counts.sum())
    nll = -float(np.mean(log_p[tokens[1:]]))  # the first token is never predicted
    return {f"{split}_baseline_perplexity": math.exp(min(nll, 700.0))}
