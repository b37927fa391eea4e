"""Built-in datasets that need no files: ``builtin:seed``, ``adding``, ``copy``, ``sine``.

Every generator is seeded (``builtin['seed']``) so a project trains the same way twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.core.data.finite import F32_MAX
from workbench.core.data.raw import Preview, Raw, RawSequences, RawSeries
from workbench.core.errors import DataError
from workbench.core.spec.task import Task

#: name → (natural task, one-line description, default parameters)
BUILTINS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "seed": (
        Task.CLASSIFICATION.value,
        "10 steps x 10 features -> 10 classes; each class is a noisy time-varying template",
        {
            "n_samples": 10000,
            "length": 10,
            "n_features": 10,
            "n_classes": 10,
            "signal": 0.8,
            "seed": 0,
        },
    ),
    "adding": (
        Task.REGRESSION.value,
        "adding problem: sum the two marked values of a long random sequence",
        {"n_samples": 10000, "length": 100, "seed": 0},
    ),
    "copy": (
        Task.TAGGING.value,
        "copy-memory: read symbols, wait through blanks, then repeat the symbols",
        {"n_samples": 10000, "n_symbols": 8, "copy_length": 10, "delay": 20, "seed": 0},
    ),
    "sine": (
        Task.FORECASTING.value,
        "noisy mixture of sines, one long series to forecast from windows",
        {"length": 4000, "n_components": 3, "noise": 0.1, "seed": 0},
    ),
}


def builtin_task(name: str) -> str | None:
    entry = BUILTINS.get(name)
    return entry[0] if entry else None


def _params(name: str, given: dict[str, Any]) -> dict[str, Any]:
    defaults = BUILTINS[name][2]
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise DataError(
            f"builtin:{name}: unknown parameter {unknown[0]!r}",
            f"known parameters: {', '.join(sorted(defaults))}",
        )
    params = {**defaults, **given}
    for key, default in defaults.items():
        value = params[key]
        kind = float if isinstance(default, float) else int
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and not math.isfinite(value) or ok and abs(value) > F32_MAX:
            raise DataError(
                f"builtin:{name}: parameter {key!r} must be a finite number (got {value!r})"
            )
        if not ok or (kind is int and int(value) != value) or value < 0:
            raise DataError(
                f"builtin:{name}: parameter {key!r} must be a number ≥ 0 (got {value!r})"
            )
        params[key] = kind(value)
    for key in ("n_samples", "length", "n_features", "n_classes", "n_symbols", "copy_length"):
        if key in params and params[key] < 1:
            raise DataError(f"builtin:{name}: parameter {key!r} must be ≥ 1 (got {params[key]})")
    # Before generating anything: 10**12 samples would otherwise freeze the machine.
    from workbench.core.memory import check_fits

    steps = params.get("length", 1) + 2 * params.get("copy_length", 0) + params.get("delay", 0)
    cells = params.get("n_samples", 1) * steps * params.get("n_features", 1)
    check_fits(
        cells * 8 * 4,  # float64 while generated, then windows and tensors
        f"builtin:{name} with these parameters",
        "use fewer samples or shorter sequences",
        DataError,
    )
    return params


def _seed(p: dict[str, Any]) -> RawSequences:
    rng = np.random.default_rng(p["seed"])
    n, t, f, c = p["n_samples"], p["length"], p["n_features"], p["n_classes"]
    # One smooth template per class (fixed by the seed); samples are template + unit noise,
    # so the classes overlap per step and only the whole sequence tells them apart.
    steps = np.linspace(0, 2 * np.pi, t)[None, :, None]
    freq = rng.uniform(0.5, 2.0, size=(c, 1, f))
    phase = rng.uniform(0, 2 * np.pi, size=(c, 1, f))
    templates = np.sin(freq * steps + phase)
    y = rng.integers(0, c, size=n)
    x = p["signal"] * templates[y] + rng.normal(size=(n, t, f))
    names = [f"class {i}" for i in range(c)]
    return RawSequences(
        x=x.astype(np.float32),
        lengths=None,
        y=y.astype(np.int64),
        feature_names=[f"x{i}" for i in range(f)],
        target_names=["class"],
        class_names=names,
        labels_are_ids=True,
    )


def _adding(p: dict[str, Any]) -> RawSequences:
    rng = np.random.default_rng(p["seed"])
    n, t = p["n_samples"], p["length"]
    if t < 2:
        raise DataError("builtin:adding: parameter 'length' must be ≥ 2")
    values = rng.uniform(0, 1, size=(n, t))
    half = max(1, t // 2)
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, t, size=n)
    markers = np.zeros((n, t))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second])[:, None].astype(np.float32)
    return RawSequences(
        x=x, lengths=None, y=y, feature_names=["value", "marker"], target_names=["sum"]
    )


def _copy(p: dict[str, Any]) -> RawSequences:
    rng = np.random.default_rng(p["seed"])
    n, s, k, d = p["n_samples"], p["n_symbols"], p["copy_length"], p["delay"]
    t = k + d + 1 + k
    symbols = rng.integers(1, s + 1, size=(n, k))  # classes 1..s; 0 is "blank"
    # Input channels: blank, symbols 1..s, the "go" marker.
    ids = np.zeros((n, t), dtype=np.int64)
    ids[:, :k] = symbols
    go = s + 1
    ids[:, k + d] = go
    x = np.eye(s + 2, dtype=np.float32)[ids]
    y = np.zeros((n, t), dtype=np.int64)
    y[:, t - k :] = symbols
    names = ["blank"] + [f"s{i}" for i in range(1, s + 1)]
    return RawSequences(
        x=x,
        lengths=None,
        y=y,
        feature_names=names + ["go"],
        target_names=["symbol"],
        class_names=names,
        labels_are_ids=True,
    )


def _sine(p: dict[str, Any]) -> RawSeries:
    rng = np.random.default_rng(p["seed"])
    length = p["length"]
    t = np.arange(length, dtype=np.float64)
    values = np.zeros(length)
    for _ in range(max(1, p["n_components"])):
        period = rng.uniform(10, 120)
        values += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    values += p["noise"] * rng.normal(size=length)
    return RawSeries(
        values=values[:, None].astype(np.float32),
        columns=["value"],
        feature_idx=[0],
        target_idx=[0],
    )


_GENERATORS: dict[str, Callable[[dict[str, Any]], Raw]] = {
    "seed": _seed,
    "adding": _adding,
    "copy": _copy,
    "sine": _sine,
}


def generate(name: str, params: dict[str, Any]) -> Raw:
    """The raw data of ``builtin:NAME``."""
    if name not in _GENERATORS:
        raise DataError(
            f"builtin:{name}: no such built-in dataset",
            f"built-in datasets: {', '.join('builtin:' + k for k in BUILTINS)}",
        )
    raw = _GENERATORS[name](_params(name, params or {}))
    raw.preview = _preview(raw)
    return raw


def _preview(raw: Raw) -> Preview:
    if isinstance(raw, RawSeries):
        rows = [
            [str(i)] + [f"{v:.4g}" for v in raw.values[i]] for i in range(min(20, len(raw.values)))
        ]
        return Preview(["step", *raw.columns], rows)
    assert isinstance(raw, RawSequences)
    header = ["sequence", "step", *raw.feature_names[:8]]
    rows = []
    for i in range(min(2, raw.n)):
        for t in range(min(10, raw.x.shape[1])):
            rows.append([str(i), str(t)] + [f"{v:.4g}" for v in raw.x[i, t, :8]])
    return Preview(header, rows)
