"""What the Inspect panel asks of a training run, computed on the training thread.

Nothing here touches Qt: ``attach_inspection`` runs on the worker thread right after the trainer
is built. It attaches the core ``Probe`` (hidden states, gates, gradient flow) and a
``PredictionsCallback`` that, at epoch ends, publishes what needs the live model — confusion
matrix, forecasts, predicted vs true values, a sampled text continuation — as NumPy arrays. All
events have ``kind == "probe"`` so the training panel forwards them through ``probe_received``
(newest per ``name``): ``"inspection"`` (ProbeSnapshot), ``"context"`` and ``"predictions"``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Share of the training wall time prediction views may use (rollouts and sampling are serial).
PREDICTION_BUDGET = 0.05
MAX_EVAL_SEQUENCES = 2000
MAX_FORECAST_STEPS = 200
SAMPLE_TOKENS = 240


@dataclass(frozen=True)
class ProbeOptions:
    """The probe the user picked (read once, when a run starts)."""

    enabled: bool = True
    n: int = 4
    split: str = "val"
    max_per_s: float = 5.0
    budget: float | None = None  # share of wall time the probe may use (None: the Probe's own)


@dataclass
class SamplingSettings:
    """Language-model sampling settings, changed on the GUI thread and read at epoch ends
    (plain attribute reads and writes: atomic under the GIL)."""

    temperature: float = 0.8
    n_tokens: int = SAMPLE_TOKENS
    prime: str = ""


@dataclass
class InspectContext:
    """Published once per run: what the views need to label and decode the probe."""

    task: str
    vocab: list[str] | None
    token_joiner: str
    class_names: list[str] | None
    target_names: list[str]
    feature_names: list[str]
    probe_split: str
    model_spec: dict | None = None
    error: str = ""  # inspection could not start (training goes on without it)
    step: int = 0
    name: str = "context"
    kind: str = "probe"


@dataclass
class RegressionView:
    target_names: list[str]
    true: np.ndarray  # [N, K] original units
    predicted: np.ndarray  # [N, K]


@dataclass
class PredictionsEvent:
    step: int
    epoch: int
    task: str
    classification: Any = None  # workbench.core.models.predictions.ClassificationView
    forecast: Any = None  # ForecastView
    regression: RegressionView | None = None
    sample: str = ""  # LM continuation sampled at this epoch's end
    prime: str = ""
    temperature: float = 1.0
    weights: dict[str, np.ndarray] = field(default_factory=dict)  # LM: CPU copy for "Sample"
    elapsed_s: float = 0.0
    note: str = ""
    name: str = "predictions"
    kind: str = "probe"


@dataclass
class GradFlowHistory:
    """Every gradient-flow measurement of the run so far, ``[(epoch, step, GradFlow)]``.

    The training panel forwards only the newest event of each name per drain tick, so a
    snapshot that carried gradient flow can be replaced by a later one; this cumulative event
    makes sure every epoch's measurement reaches the panel.
    """

    flows: list[tuple[int, int, Any]]
    step: int = 0
    name: str = "gradflow"
    kind: str = "probe"


class ProbePublisher:
    """``Probe.publish``: the snapshot, plus the gradient-flow history when it carries one."""

    def __init__(self, trainer: Any) -> None:
        self.trainer = trainer
        self.flows: list[tuple[int, int, Any]] = []

    def __call__(self, snapshot: Any) -> None:
        if snapshot.has_grad_flow and snapshot.grad_flow is not None:
            self.flows.append((snapshot.epoch, snapshot.step, snapshot.grad_flow))
            self.trainer.events.publish(GradFlowHistory(list(self.flows), snapshot.step))
        self.trainer.events.publish(snapshot)


def default_prime(data: Any, n_tokens: int = 40) -> str:
    """The start of the validation (else training) text: a prime the model has not trained on."""
    part = data.val if len(data.val) else data.train
    return data.decode(part.x[:n_tokens])


class PredictionsCallback:
    """Epoch-end prediction views; throttled to ``PREDICTION_BUDGET`` of the wall time."""

    def __init__(self, sampling: SamplingSettings | None = None) -> None:
        self.sampling = sampling or SamplingSettings()
        self._next_at = float("-inf")
        self._step = 0
        self._epoch = 0
        self._published_step = -1

    def on_step_end(self, trainer: Any, info: Any) -> None:
        self._step, self._epoch = info.step, info.epoch

    def on_epoch_end(self, trainer: Any, metrics: dict | None = None) -> None:
        if time.perf_counter() >= self._next_at:
            self._emit(trainer)

    def on_train_end(self, trainer: Any, result: Any) -> None:
        if self._published_step != self._step:  # stopped mid-epoch: show where it ended
            self._emit(trainer)

    def _emit(self, trainer: Any) -> None:
        start = time.perf_counter()
        event = compute_predictions(trainer.model, trainer.data, self.sampling)
        event.step, event.epoch = self._step, self._epoch
        event.elapsed_s = time.perf_counter() - start
        self._next_at = time.perf_counter() + event.elapsed_s / PREDICTION_BUDGET
        self._published_step = self._step
        trainer.events.publish(event)


def compute_predictions(model: Any, data: Any, sampling: SamplingSettings) -> PredictionsEvent:
    """The prediction view of ``data.task`` for ``model`` now (NumPy only in the result)."""
    from workbench.core.models import predictions as P

    event = PredictionsEvent(0, 0, data.task)
    part = data.val if len(data.val) else data.train
    if data.task == "classification":
        event.classification = P.classification_view(
            model, _head(part, MAX_EVAL_SEQUENCES), list(data.class_names or [])
        )
    elif data.task == "forecasting":
        event.forecast = P.forecast_view(
            model, data, "val" if len(data.val) else "train", MAX_FORECAST_STEPS
        )
    elif data.task == "regression":
        sub = _head(part, MAX_EVAL_SEQUENCES)
        predicted = data.targets_to_original_units(P.predict(model, sub.x, sub.lengths))
        true = data.targets_to_original_units(sub.y)
        event.regression = RegressionView(list(data.target_names), true, predicted)
    elif data.task == "language_model":
        from workbench.core.models.sampling import sample_text

        prime = sampling.prime or default_prime(data)
        temperature = float(sampling.temperature)
        event.prime, event.temperature = prime, temperature
        event.sample = sample_text(model, data, prime, int(sampling.n_tokens), temperature, seed=0)
        event.weights = {
            k: v.detach().to("cpu", copy=True).numpy() for k, v in model.state_dict().items()
        }
    else:
        event.note = "Per-step predictions (tagging) are scored in the training metrics."
    return event


def _head(split: Any, n: int) -> Any:
    from workbench.core.data.prepared import SequenceSplit

    if len(split) <= n:
        return split
    cut = lambda t: None if t is None else t[:n]  # noqa: E731
    return SequenceSplit(cut(split.x), cut(split.y), cut(split.lengths), cut(split.mask))


def make_context(trainer: Any, options: ProbeOptions, error: str = "") -> InspectContext:
    data = trainer.data
    summary = getattr(data, "summary", None)
    return InspectContext(
        task=data.task,
        vocab=list(data.vocab) if data.vocab is not None else None,
        token_joiner=getattr(data, "token_joiner", ""),
        class_names=list(data.class_names) if data.class_names else None,
        target_names=list(data.target_names or []),
        feature_names=list(getattr(summary, "feature_names", None) or []),
        probe_split=options.split if len(data.split(options.split)) else "train",
        model_spec=trainer.spec.model.to_dict(),
        error=error,
    )


def attach_inspection(
    trainer: Any, options: ProbeOptions, sampling: SamplingSettings | None = None
) -> Any:
    """Runs on the worker thread before ``trainer.run()``: probe + prediction views.

    A data error is left for ``run()`` to report the usual way (it prepares again); a failure of
    the inspection itself is reported to the panel and training goes on without it.
    """
    from workbench.core.errors import WorkbenchError
    from workbench.core.models.probe import Probe

    if not options.enabled:
        return None
    try:
        trainer.prepare()
    except WorkbenchError:
        return None
    try:
        extra = {} if options.budget is None else {"budget": options.budget}
        probe = Probe.attach(
            trainer,
            n=options.n,
            split=options.split,
            max_per_s=options.max_per_s,
            publish=ProbePublisher(trainer),
            **extra,
        )
        trainer.add_callback(PredictionsCallback(sampling))
    except Exception as exc:  # noqa: BLE001 - inspection must never stop training
        trainer.events.publish(make_context(trainer, options, f"{type(exc).__name__}: {exc}"))
        return None
    trainer.events.publish(make_context(trainer, options))
    return probe


def sample_with_weights(
    model_spec: dict,
    weights: dict[str, np.ndarray],
    vocab: list[str],
    joiner: str,
    prime: str,
    n_tokens: int,
    temperature: float,
    seed: int | None = None,
) -> str:
    """Sampling on a background job from a CPU copy of the weights (never the live model)."""
    import torch

    from workbench.core.models import build_model
    from workbench.core.models.sampling import encode, sample_ids
    from workbench.core.spec import ModelSpec

    model = build_model(ModelSpec.from_dict(model_spec))
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in weights.items()})
    ids = encode(vocab, prime, "word" if joiner == " " else "char") or [0]
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    out = sample_ids(model, ids, n_tokens, temperature, gen)
    return joiner.join(vocab[i] if 0 <= i < len(vocab) else "<unk>" for i in out)


class InspectionHook:
    """``TrainingPanel.trainer_setup``: called with the trainer on the worker thread.

    The Inspect panel replaces ``options`` (immutable) when the user edits the probe, and edits
    ``sampling`` in place; the worker only reads them.
    """

    def __init__(self) -> None:
        self.options = ProbeOptions()
        self.sampling = SamplingSettings()
        self.probe: Any = None

    def __call__(self, trainer: Any) -> None:
        self.probe = attach_inspection(trainer, self.options, self.sampling)
