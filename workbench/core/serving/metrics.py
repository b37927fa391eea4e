"""Evaluation metrics from predictions and true targets, in the user's units (NumPy only).

Classification / tagging: accuracy, per-class precision / recall / F1 / support, macro and
weighted averages, the confusion matrix (rows: true class, columns: predicted) and ROC-AUC one
vs rest. Regression / forecasting: RMSE, MAE, MAPE (rows with a true value of 0 left out, as it
is undefined there), sMAPE, per target, plus a persistence baseline where the target is also an
input. Language model: loss (mean NLL in nats), perplexity, bits per token, top-1 accuracy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.core.serving.inputs import Inputs
from workbench.core.serving.predict import Predictions
from workbench.core.spec.task import LABEL_TASKS, Task


def evaluate(preds: Predictions, inputs: Inputs, pre: Any) -> dict[str, Any]:
    """All metrics for ``preds`` against ``inputs.y``; ``pre`` is the run's preprocessing."""
    if inputs.y is None:
        raise ValueError("evaluate needs targets")
    out = _evaluate(preds, inputs, pre)
    if inputs.baselines:  # the training code's baselines replace the simple persistence one
        out.pop("baseline", None)
        out["baselines"] = dict(inputs.baselines)
    return out


def _evaluate(preds: Predictions, inputs: Inputs, pre: Any) -> dict[str, Any]:
    if preds.task == Task.LANGUAGE_MODEL:
        return language_model(preds, np.asarray(inputs.y))
    if preds.task in LABEL_TASKS:
        assert preds.proba is not None
        y, proba = np.asarray(inputs.y), preds.proba
        if preds.task == Task.TAGGING:
            steps = y.shape[1]
            valid = np.arange(steps)[None, :] < preds.lengths[:, None]
            y, proba = y[valid], proba[valid]
        return classification(y, proba, preds.names)
    assert preds.values is not None
    out = regression(np.asarray(inputs.y, np.float64), preds.values, preds.names)
    baseline = persistence(inputs, pre)
    if baseline is not None:
        keep = np.isfinite(inputs.y).all(axis=1)
        scores = regression(np.asarray(inputs.y, np.float64)[keep], baseline[keep], preds.names)
        out["baseline"] = {
            "name": "persistence (last value of the input window)",
            "rmse": scores["rmse"],
            "mae": scores["mae"],
        }
    return out


def classification(y: np.ndarray, proba: np.ndarray, names: list[str]) -> dict[str, Any]:
    k = proba.shape[1]
    pred = proba.argmax(1)
    confusion = np.zeros((k, k), np.int64)
    np.add.at(confusion, (y, pred), 1)
    tp = np.diag(confusion).astype(np.float64)
    support = confusion.sum(1).astype(np.float64)
    predicted = confusion.sum(0).astype(np.float64)
    precision = np.divide(tp, predicted, out=np.zeros(k), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros(k), where=denom > 0)
    auc = [roc_auc(proba[:, c], y == c) for c in range(k)]
    present = support > 0
    weights = support / max(1.0, support.sum())
    per_class = [
        {
            "class": names[c],
            "precision": float(precision[c]),
            "recall": float(recall[c]),
            "f1": float(f1[c]),
            "support": int(support[c]),
            "roc_auc": auc[c],
        }
        for c in range(k)
    ]
    valid_auc = [a for a in auc if a is not None]
    n = max(1, len(y))
    eps = 1e-12
    loss = float(-np.log(np.clip(proba[np.arange(len(y)), y], eps, 1.0)).mean()) if len(y) else 0.0
    return {
        "n": int(len(y)),
        "loss": loss,
        "accuracy": float(tp.sum() / n),
        "macro": _avg(precision, recall, f1, present.astype(float) / max(1, present.sum())),
        "weighted": _avg(precision, recall, f1, weights),
        "roc_auc_ovr": float(np.mean(valid_auc)) if valid_auc else None,
        "per_class": per_class,
        "classes": list(names),
        "confusion": confusion.tolist(),
    }


def _avg(p: np.ndarray, r: np.ndarray, f: np.ndarray, w: np.ndarray) -> dict[str, float]:
    return {
        "precision": float((p * w).sum()),
        "recall": float((r * w).sum()),
        "f1": float((f * w).sum()),
    }


def roc_auc(score: np.ndarray, positive: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties); None when one
    of the two groups is empty."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(score, kind="mergesort")
    sorted_scores = score[order]
    ranks = np.empty(len(score))
    # Average rank within each run of tied scores.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def regression(y: np.ndarray, pred: np.ndarray, names: list[str]) -> dict[str, Any]:
    keep = np.isfinite(y).all(axis=1)
    y, pred = y[keep], pred[keep]
    err = pred - y
    out: dict[str, Any] = {"n": int(len(y)), **_scores(y, pred, err)}
    out["per_target"] = [
        {"target": name, **_scores(y[:, i], pred[:, i], err[:, i])} for i, name in enumerate(names)
    ]
    return out


def _scores(y: np.ndarray, pred: np.ndarray, err: np.ndarray) -> dict[str, float | None]:
    if y.size == 0:
        return {"rmse": None, "mae": None, "mape": None, "smape": None}
    nonzero = np.abs(y) > 1e-12
    mape = float(np.mean(np.abs(err[nonzero] / y[nonzero])) * 100) if nonzero.any() else None
    denom = np.abs(y) + np.abs(pred)
    ratio = np.divide(2 * np.abs(err), denom, out=np.zeros_like(denom), where=denom > 0)
    return {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "mape": mape,
        "smape": float(np.mean(ratio) * 100),
    }


def persistence(inputs: Inputs, pre: Any) -> np.ndarray | None:
    """Forecast = the last observed value of each target in the input window (original
    units); None when a target is not among the inputs."""
    if pre.task != Task.FORECASTING or not pre.target_names:
        return None
    try:
        cols = [pre.feature_names.index(t) for t in pre.target_names]
    except ValueError:
        return None
    if inputs.target_history is not None:  # target transforms: the inputs hold differences
        last = np.asarray(inputs.target_history[:, -1, :], np.float64)
        return np.tile(last, (1, max(1, pre.horizon)))
    last = np.asarray(inputs.x[:, -1, :], np.float64)[:, cols]
    stats = pre.feature_stats
    if stats:
        last = last * np.asarray(stats["scale"])[cols] + np.asarray(stats["center"])[cols]
    return np.tile(last, (1, max(1, pre.horizon)))


def language_model(preds: Predictions, stream: np.ndarray) -> dict[str, Any]:
    assert preds.nll is not None and preds.predicted is not None
    loss = float(preds.nll.mean()) if len(preds.nll) else 0.0
    hits = preds.predicted == stream[1 : len(preds.predicted) + 1]
    return {
        "n": int(len(preds.nll)),
        "accuracy": float(hits.mean()) if len(hits) else 0.0,
        "loss": loss,
        "perplexity": math.exp(min(loss, 700.0)),
        "bits_per_token": loss / math.log(2.0),
    }
