# ruff: noqa
# The functions appended to plain_model.py's classes in a "pytorch" export (model.py). Kept as
# real Python so ruff and the tests read it; the export copies what follows MARKER verbatim.
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from workbench.core.serving.plain_model import SequenceNet

CONFIG: dict[str, Any] = {}
PREPROCESSING: dict[str, Any] = {}

# ---- exported below ----


def load(weights: str | Path | None = None) -> SequenceNet:
    """The model with its trained weights (``weights.npz`` beside this file by default)."""
    path = Path(weights) if weights else Path(__file__).with_name("weights.npz")
    with np.load(path, allow_pickle=False) as arrays:
        state = {key: torch.from_numpy(arrays[key]) for key in arrays.files}
    net = SequenceNet(CONFIG)
    net.load_state_dict(state)
    return net.eval()


def scale_inputs(x: Any, lengths: Any = None) -> np.ndarray:
    """Raw features ``[N, T, F]`` → what the model reads: (x - center) / scale in float32,
    padding past each sequence's length set to 0 (the training split's fitted constants)."""
    stats = (PREPROCESSING["normalization"] or {}).get("features")
    out = np.asarray(x, dtype=np.float32)
    if stats:
        out = out - np.asarray(stats["center"], dtype=np.float32)
        out /= np.asarray(stats["scale"], dtype=np.float32)
    else:
        out = out.copy()
    if lengths is not None:
        out[np.arange(out.shape[1])[None, :] >= np.asarray(lengths)[:, None]] = 0.0
    return out


def to_original_units(values: Any) -> np.ndarray:
    """Scaled regression / forecasting outputs ``[N, K]`` → original units (step-major)."""
    values = np.asarray(values, dtype=np.float64)
    stats = (PREPROCESSING["normalization"] or {}).get("targets")
    if not stats or PREPROCESSING["task"] not in ("regression", "forecasting"):
        return values
    center = np.asarray(stats["center"], dtype=np.float64)
    scale = np.asarray(stats["scale"], dtype=np.float64)
    reps = max(1, values.shape[-1] // max(1, center.size))
    k = values.shape[-1]
    return values * np.tile(scale, reps)[:k] + np.tile(center, reps)[:k]


@torch.inference_mode()  # type: ignore[untyped-decorator]  # torch is not analysed
def predict(net: SequenceNet, x: Any, lengths: Any = None, batch_size: int = 256) -> np.ndarray:
    """Predictions for raw inputs ``x`` [N, T, F] (original units; ``lengths`` [N] for
    padded sequences). Classification: class probabilities [N, C] (names in
    ``PREPROCESSING["class_names"]``); tagging: [N, T, C]; regression / forecasting: values
    [N, K] in original units (names: ``OUTPUT_NAMES``)."""
    x = scale_inputs(x, lengths)
    n, steps = x.shape[0], x.shape[1]
    chunks = []
    for start in range(0, n, batch_size):
        xb = torch.from_numpy(np.ascontiguousarray(x[start : start + batch_size]))
        if lengths is not None:
            lb = torch.as_tensor(np.asarray(lengths[start : start + batch_size]), dtype=torch.int64)
            xb = xb[:, : int(lb.max())]
        else:
            lb = torch.full((xb.shape[0],), steps, dtype=torch.int64)
        out = net(xb, lb)
        if out.dim() == 3 and out.shape[1] < steps:
            out = torch.nn.functional.pad(out, (0, 0, 0, steps - out.shape[1]))
        chunks.append(out.float().numpy())
    out = np.concatenate(chunks)
    if PREPROCESSING["task"] in ("classification", "tagging"):
        return torch.softmax(torch.from_numpy(out).double(), dim=-1).numpy()
    return to_original_units(out)


def _transform_steps() -> list[tuple[str, int]]:
    state = PREPROCESSING.get("target_transform") or {}
    return [(s["name"], int(s["lag"])) for s in (state.get("transform") or {}).get("steps", [])]


def _invert(values: np.ndarray, history: np.ndarray) -> np.ndarray:
    """Target transforms undone: ``values`` [N, H, C] transformed, ``history`` [N, lags, C]
    original values before each first target (the workbench's TargetTransform.invert)."""
    steps = _transform_steps()
    stages = [history]
    for name, lag in steps[:-1]:
        prev = stages[-1]
        stages.append(np.log(prev) if name == "log" else prev[:, lag:] - prev[:, :-lag])
    current = values
    for (name, lag), before in zip(reversed(steps), reversed(stages)):
        if name == "log":
            current = np.exp(current)
            continue
        rebuilt = np.empty_like(current)
        for h in range(current.shape[1]):
            base = before[:, before.shape[1] - lag + h] if h < lag else rebuilt[:, h - lag]
            rebuilt[:, h] = current[:, h] + base
        current = rebuilt
    return current


def forecast(net: SequenceNet, series: Any, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Windows of one series → forecasts in original units, as ``workbench predict FILE``.

    ``series``: raw rows [L, C] with the columns ``PREPROCESSING["feature_names"]`` followed by
    any target not among them. Returns ``(first_rows, values)``: the row index each forecast
    starts at, and values [N, K] (names: ``OUTPUT_NAMES``)."""
    features, targets = PREPROCESSING["feature_names"], PREPROCESSING["target_names"]
    columns = features + [t for t in targets if t not in features]
    series = np.asarray(series, dtype=np.float32)
    original = series[:, [columns.index(t) for t in targets]].astype(np.float64)
    steps, values, valid = _transform_steps(), series, np.ones(len(series), bool)
    if steps:
        changed = original.copy()
        for name, lag in steps:
            if name == "log":
                changed = np.log(changed)
            else:
                shifted = np.full_like(changed, np.nan)
                shifted[lag:] = changed[:-lag]
                changed = changed - shifted
        values = series.copy()
        values[:, [columns.index(t) for t in targets]] = changed
        valid = np.isfinite(changed).all(axis=1)
    window = PREPROCESSING["window"]
    n = len(series) - window + 1
    bad = np.concatenate([[0], np.cumsum(~valid)])
    keep = np.flatnonzero((bad[window : window + n] - bad[:n]) == 0)
    x = values[:, : len(features)][keep[:, None] + np.arange(window)[None, :]]
    scaled = scale_inputs(x)
    out = []
    with torch.inference_mode():
        for start in range(0, len(scaled), batch_size):
            xb = torch.from_numpy(np.ascontiguousarray(scaled[start : start + batch_size]))
            out.append(net(xb, torch.full((len(xb),), window, dtype=torch.int64)).float().numpy())
    result = to_original_units(np.concatenate(out))
    first = keep + window - (0 if PREPROCESSING["task"] == "forecasting" else 1)
    if steps:
        lags = sum(lag for _, lag in steps)
        history = original[first[:, None] + np.arange(-lags, 0)[None, :]]
        n_out, k = result.shape
        width = original.shape[1]
        result = _invert(result.reshape(n_out, k // width, width), history).reshape(n_out, k)
    return first, result


def encode(text: str) -> np.ndarray:
    """Text → token ids of the training vocabulary (unknown tokens → 0, ``<unk>``)."""
    import re

    index = {tok: i for i, tok in enumerate(PREPROCESSING["vocab"])}
    if PREPROCESSING["text_level"] == "char":
        tokens = list(text.replace("\r\n", "\n").replace("\r", "\n"))
    else:
        tokens = re.findall(r"\w+|[^\w\s]|\n", text)
    return np.array([index.get(t, 0) for t in tokens], dtype=np.int64)


@torch.inference_mode()  # type: ignore[untyped-decorator]  # torch is not analysed
def next_token_probabilities(net: SequenceNet, ids: Any) -> np.ndarray:
    """Language model: after each of ``ids[:-1]``, the probabilities of every next token
    ([L-1, V]), read ``seq_len`` tokens at a time with the state carried along."""
    ids = np.asarray(ids, dtype=np.int64)
    seq_len, state, out = PREPROCESSING["seq_len"], None, []
    for start in range(0, len(ids) - 1, seq_len):
        chunk = torch.from_numpy(ids[start : min(len(ids) - 1, start + seq_len)][None, :])
        logits, state = net.run(chunk, torch.tensor([chunk.shape[1]]), state)
        out.append(torch.softmax(logits[0].double(), dim=-1).numpy())
    return np.concatenate(out)


@torch.inference_mode()  # type: ignore[untyped-decorator]  # torch is not analysed
def sample(
    net: SequenceNet, prime: str, n_tokens: int = 200, seed: int = 0, temperature: float = 1.0
) -> str:
    """Language model: ``n_tokens`` sampled after the text ``prime`` (never ``<unk>``)."""
    generator = torch.Generator().manual_seed(seed)
    ids = encode(prime) if prime else np.zeros(1, np.int64)
    logits, state = net.run(torch.from_numpy(ids[None, :]), torch.tensor([len(ids)]))
    vocab, out = PREPROCESSING["vocab"], []
    for _ in range(n_tokens):
        last = logits[0, -1].double()
        last[0] = float("-inf")
        if temperature <= 0:
            token = int(last.argmax())
        else:
            token = int(
                torch.multinomial(torch.softmax(last / temperature, -1), 1, generator=generator)
            )
        out.append(vocab[token])
        logits, state = net.run(torch.tensor([[token]]), torch.tensor([1]), state)
    return PREPROCESSING["token_joiner"].join(out)
