"""Prediction views: confusion matrix (classification), one-step and autoregressive forecasts.

Everything returned is NumPy. Forecasts are in the data's original units.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

from workbench.core.inspection.events import (
    ClassificationView,
    ForecastView,
    RegressionView,
    SampleView,
)
from workbench.core.spec.task import Task


def predict(
    model: torch.nn.Module,
    x: torch.Tensor,
    lengths: torch.Tensor | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """Model outputs for ``x`` in eval mode, batched, as float64 NumPy."""
    device = next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    was_training = model.training
    model.eval()
    outs = []
    try:
        with torch.no_grad():
            for i in range(0, x.shape[0], batch_size):
                xb = x[i : i + batch_size].to(device)
                xb = xb.to(dtype) if xb.is_floating_point() else xb
                lb = None if lengths is None else lengths[i : i + batch_size]
                outs.append(model(xb, lb)[0].double().cpu())
    finally:
        model.train(was_training)
    if not outs:
        return np.zeros((0,))
    return torch.cat(outs).numpy()


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``[C, C]`` counts: row = true class, column = predicted class."""
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes
    )


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Share of each true class predicted right (NaN for a class with no samples)."""
    totals = matrix.sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / totals, np.nan)


def classification_view(
    model: torch.nn.Module, split: Any, class_names: list[str]
) -> ClassificationView:
    """Confusion matrix and per-class accuracy of ``model`` on a classification split."""
    n = len(class_names)
    logits = predict(model, split.x, split.lengths)
    pred = logits.argmax(axis=-1) if len(logits) else np.zeros(0, np.int64)
    true = split.y.cpu().numpy()
    cm = confusion_matrix(true, pred, n)
    acc = float(np.trace(cm) / cm.sum()) if cm.sum() else float("nan")
    return ClassificationView(cm, per_class_accuracy(cm), acc, list(class_names))


def _first_step(y: np.ndarray, n_targets: int) -> np.ndarray:
    return y[:, :n_targets]  # targets are step-major: the first n_targets are step 1


#: (values, feature index) -> the values on the model's input scale.
FeatureScaler = Callable[[Any, Any], Any]


def _feature_scaler(data: Any) -> FeatureScaler:
    stats = (data.normalization_stats or {}).get("features")
    if not stats:
        return lambda v, i: v
    center = np.asarray(stats["center"], dtype=np.float64)
    scale = np.asarray(stats["scale"], dtype=np.float64)
    return lambda v, i: (v - center[i]) / scale[i]


def rollout(
    model: torch.nn.Module,
    windows: torch.Tensor,
    feedback: dict[int, int],
    to_feature_scale: FeatureScaler,
    to_original: Callable[..., np.ndarray],
    n_targets: int,
) -> np.ndarray:
    """Autoregressive forecast over ``len(windows)`` steps starting from ``windows[0]``.

    Each step predicts the next value of every target, writes it (in feature scale) into the
    feature columns named like the targets (``feedback``: feature index -> target index), and
    slides the window by one. Other feature columns take their observed values from the next
    window (``windows`` must be consecutive, stride 1).
    """
    window = windows[0].clone().double()
    out = []
    device = next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for k in range(windows.shape[0]):
                pred = model(window[None].to(device, dtype))[0].double().cpu().numpy()
                step = to_original(_first_step(pred, n_targets))[0]
                out.append(step)
                if k + 1 == windows.shape[0]:
                    break
                row = windows[k + 1, -1].clone().double()  # observed exogenous features
                for fi, ti in feedback.items():
                    row[fi] = float(to_feature_scale(step[ti], fi))
                window = torch.cat([window[1:], row[None]], dim=0)
    finally:
        model.train(was_training)
    return np.asarray(out)


def forecast_view(
    model: torch.nn.Module, data: Any, split: str = "val", max_steps: int = 500
) -> ForecastView:
    """Teacher-forced one-step and autoregressive forecasts on a windowed split, in original units."""
    part = data.split(split)
    x = part.x[:max_steps]
    names = list(data.target_names)
    n_t = len(names)
    true = _first_step(data.targets_to_original_units(part.y[:max_steps], split), n_t)
    one_step = (
        _first_step(data.targets_to_original_units(predict(model, x), split), n_t)
        if len(x)
        else true
    )
    feature_names = list(getattr(data.summary, "feature_names", []) or [])
    feedback = {feature_names.index(t): i for i, t in enumerate(names) if t in feature_names}
    note = ""
    result = None
    consecutive = len(x) > 1 and torch.allclose(x[1:, :-1], x[:-1, 1:])
    if not feedback:
        note = "no target is also an input feature: nothing to feed back"
    elif len(x) > 1 and not consecutive:
        note = "windows are not consecutive (stride > 1 or gaps): no rollout"
    elif len(x):
        # The rollout runs in the model's (transformed) units; the path is turned back into
        # original units at the end, as one multi-step forecast from the first window.
        result = rollout(model, x, feedback, _feature_scaler(data), data.unscale_targets, n_t)
        result = data.invert_path(result, split, 0)
    baseline, baseline_label = _forecast_baseline(data, split, len(true))
    return ForecastView(names, true, one_step, result, note, baseline, baseline_label)


def _forecast_baseline(data: Any, split: str, n: int) -> tuple[np.ndarray | None, str]:
    """The first step of the run's baseline forecast (seasonal naive / naive) of ``n`` windows."""
    from workbench.core.training.baselines import baseline_name, forecast_guesses

    if getattr(data, "series_targets", None) is None or n == 0:
        return None, ""
    guesses = forecast_guesses(data, split)
    name = "seasonal_naive" if data.series_targets.season > 1 else "naive"
    if name not in guesses:
        return None, ""
    return guesses[name][:n, 0, :], baseline_name(data) or ""


def prediction_view(
    model: torch.nn.Module, data: Any, split: str = "val", limit: int = 2000, **options: Any
) -> ClassificationView | ForecastView | RegressionView | SampleView | None:
    """The prediction view that fits ``data.task`` (None for tasks without one, e.g. tagging).

    ``options`` for language models: ``prime`` (text), ``n_tokens``, ``temperature``, ``seed``.
    """
    part = data.split(split)
    if len(part) == 0:
        return None
    if data.task == Task.CLASSIFICATION:
        lengths = None if part.lengths is None else part.lengths[:limit]
        sub = SimpleNamespace(x=part.x[:limit], y=part.y[:limit], lengths=lengths)
        view = classification_view(
            model, sub, data.class_names or [str(i) for i in range(data.output_size)]
        )
        from workbench.core.training.baselines import majority_accuracy

        view.baseline_accuracy = majority_accuracy(data.train.y.numpy(), sub.y.numpy())
        return view
    if data.task == Task.FORECASTING:
        return forecast_view(model, data, split, max_steps=min(limit, 200))
    if data.task == Task.REGRESSION:
        x = part.x[:limit]
        lengths = None if part.lengths is None else part.lengths[:limit]
        pred = data.targets_to_original_units(predict(model, x, lengths), split)
        return RegressionView(
            list(data.target_names), data.targets_to_original_units(part.y[:limit], split), pred
        )
    if data.task == Task.LANGUAGE_MODEL:
        from workbench.core.models.sampling import sample_text

        prime = options.get("prime") or data.decode(part.x[:40])
        temperature = float(options.get("temperature", 0.8))
        text = sample_text(
            model, data, prime, options.get("n_tokens", 200), temperature, options.get("seed")
        )
        return SampleView(prime, text, temperature)
    return None
