"""Run a loaded model over prepared inputs, batch by batch, and read the outputs back in the
user's units: class names and probabilities, targets in original units, next tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from workbench.core.errors import WorkbenchError
from workbench.core.serving.inputs import Inputs
from workbench.core.serving.loaded import LoadedRun
from workbench.core.spec.task import LABEL_TASKS, VALUE_TASKS, Task

#: Sequences per forward pass (no gradients: larger batches are cheaper per sequence).
BATCH = 256
#: How many most-likely next tokens a language-model prediction lists.
TOP_K = 3


class Cancelled(WorkbenchError):
    """The caller asked to stop (the app's Cancel button)."""

    def __init__(self) -> None:
        super().__init__("cancelled")


@dataclass
class Predictions:
    """Model outputs for every input row, in the user's units.

    - classification: ``proba`` [N, C], ``predicted`` [N] class ids;
    - tagging: ``proba`` [N, T, C], ``predicted`` [N, T] ids (valid steps: ``lengths``);
    - regression / forecasting: ``values`` [N, K] in original units (step-major for horizons);
    - language model: ``predicted`` [L-1] most likely next token after each position,
      ``top_ids``/``top_p`` [L-1, k], ``nll`` [L-1] of the token that actually follows.
    """

    task: str
    names: list[str]
    index: list[str] = field(default_factory=list)
    values: np.ndarray | None = None
    proba: np.ndarray | None = None
    predicted: np.ndarray | None = None
    lengths: np.ndarray | None = None
    top_ids: np.ndarray | None = None
    top_p: np.ndarray | None = None
    nll: np.ndarray | None = None

    def __len__(self) -> int:
        for arr in (self.values, self.proba, self.predicted):
            if arr is not None:
                return int(arr.shape[0])
        return 0


def to_original_units(
    run: LoadedRun, out: np.ndarray, history: np.ndarray | None = None
) -> np.ndarray:
    """Regression / forecasting outputs ``[N, K]`` (step-major) in original units: the target
    scaling undone, then the run's target transforms inverted (``history``: the original
    values before each window's first target, ``Inputs.target_history``)."""
    from workbench.core.serving.inputs import transform_of

    arr = np.asarray(out, dtype=np.float64)
    if run.task not in VALUE_TASKS:
        return arr
    stats = run.pre.target_stats
    if stats:
        center = np.asarray(stats["center"], dtype=np.float64)
        scale = np.asarray(stats["scale"], dtype=np.float64)
        reps = max(1, arr.shape[-1] // max(1, center.size))
        k = arr.shape[-1]
        arr = arr * np.tile(scale, reps)[:k] + np.tile(center, reps)[:k]
    tf = transform_of(run)
    if tf.is_identity or history is None:
        return arr
    n, k = arr.shape
    width = history.shape[2]
    return tf.invert(arr.reshape(n, k // width, width), history).reshape(n, k)


@torch.inference_mode()  # type: ignore[untyped-decorator]  # torch is not analysed
def predict(
    run: LoadedRun,
    inputs: Inputs,
    batch_size: int = BATCH,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Predictions:
    """Predictions for every row of ``inputs``; ``progress`` gets fractions 0…1, and
    ``should_stop`` returning True raises ``Cancelled`` between batches."""
    report = progress or (lambda f: None)
    stop = should_stop or (lambda: False)
    if run.task == Task.LANGUAGE_MODEL:
        return _predict_stream(run, inputs, report, stop)
    model, n = run.model, len(inputs)
    chunks: list[np.ndarray] = []
    for start in range(0, n, batch_size):
        if stop():
            raise Cancelled()
        x = torch.from_numpy(np.ascontiguousarray(inputs.x[start : start + batch_size]))
        lengths = None
        if inputs.lengths is not None:
            lengths = torch.from_numpy(inputs.lengths[start : start + batch_size].astype(np.int64))
            longest = int(lengths.max())
            x = x[:, :longest]  # as in training: padding past the longest sequence is skipped
        out, _ = model(x, lengths)
        if run.task == Task.TAGGING and out.shape[1] < inputs.x.shape[1]:
            out = torch.nn.functional.pad(out, (0, 0, 0, inputs.x.shape[1] - out.shape[1]))
        chunks.append(out.float().numpy())
        report(min(1.0, (start + batch_size) / max(1, n)))
    width = run.pre.output_size
    shape = (0, inputs.x.shape[1], width) if run.task == Task.TAGGING else (0, width)
    out = np.concatenate(chunks) if chunks else np.zeros(shape, np.float32)
    preds = Predictions(run.task, run.pre.output_names, list(inputs.index))
    if run.task in LABEL_TASKS:
        proba = torch.softmax(torch.from_numpy(out).double(), dim=-1).numpy()
        preds.proba, preds.predicted = proba, proba.argmax(-1)
        if run.task == Task.TAGGING:
            steps = inputs.x.shape[1]
            preds.lengths = (
                inputs.lengths if inputs.lengths is not None else np.full(n, steps, np.int64)
            )
    else:
        preds.values = to_original_units(run, out, inputs.target_history)
    report(1.0)
    return preds


def _predict_stream(
    run: LoadedRun,
    inputs: Inputs,
    report: Callable[[float], None],
    stop: Callable[[], bool],
) -> Predictions:
    """A token stream read in order, ``seq_len`` tokens per step, the state carried along."""
    model, stream = run.model, np.asarray(inputs.x)  # ids in any integer dtype
    seq_len = max(1, run.pre.seq_len or run.spec.data.seq_len)
    total = len(stream) - 1
    top_ids, top_p, nll = [], [], []
    state = None
    for start in range(0, total, seq_len):
        if stop():
            raise Cancelled()
        stop_at = min(total, start + seq_len)
        x = torch.from_numpy(stream[start:stop_at][None, :].astype(np.int64))  # widened per chunk
        target = torch.from_numpy(stream[start + 1 : stop_at + 1].astype(np.int64))
        logits, state = model(x, None, state)
        logp = torch.log_softmax(logits[0].double(), dim=-1)
        p, ids = logp.exp().topk(min(TOP_K, logp.shape[-1]), dim=-1)
        top_ids.append(ids.numpy())
        top_p.append(p.numpy())
        nll.append((-logp.gather(1, target[:, None])[:, 0]).numpy())
        report(stop_at / max(1, total))
    preds = Predictions(run.task, run.pre.output_names)
    preds.top_ids = np.concatenate(top_ids)
    preds.top_p = np.concatenate(top_p)
    preds.predicted = preds.top_ids[:, 0]
    preds.nll = np.concatenate(nll)
    preds.index = [str(i) for i in range(total)]
    return preds


def sample(
    run: LoadedRun, prime: str, n_tokens: int, seed: int = 0, temperature: float = 1.0
) -> str:
    """Language model: ``n_tokens`` sampled after ``prime`` (same seed → same text)."""
    from workbench.core.models.sampling import SPECIAL_TOKENS, encode, sample_ids

    vocab = run.pre.vocab or []
    if n_tokens < 1:
        raise WorkbenchError("--generate needs a number of tokens ≥ 1")
    ids = encode(vocab, prime, run.pre.text_level) or [0]
    banned = [i for i, tok in enumerate(vocab) if tok in SPECIAL_TOKENS]
    gen = torch.Generator().manual_seed(seed)
    out = sample_ids(run.model, ids, n_tokens, temperature, gen, banned)
    return run.pre.token_joiner.join(vocab[i] for i in out)
