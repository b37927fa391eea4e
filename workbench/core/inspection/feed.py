"""What the Inspect panel asks of a training run, run on the training thread.

Nothing here touches Qt: ``attach_inspection`` runs on the worker thread right after the trainer
is built and attaches the core ``Probe`` (hidden states, gates, gradient flow, and at epoch ends
the prediction views: confusion matrix, forecasts, predicted vs true, a sampled text). Its
``ProbePublisher`` republishes the epoch-end parts as events of their own, because the training
panel forwards only the newest event of each ``name`` per drain tick: ``"inspection"``
(ProbeSnapshot), ``"context"``, ``"gradflow"`` and ``"predictions"``, all with ``kind == "probe"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

SAMPLE_TOKENS = 200


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
    """Language-model sampling settings of the panel; the temperature also reaches the running
    probe (``Probe.temperature``: a plain attribute write, atomic under the GIL)."""

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
class PredictionsEvent:
    step: int
    epoch: int
    task: str
    classification: Any = None  # workbench.core.models.predictions.ClassificationView
    forecast: Any = None  # ForecastView
    regression: Any = None  # RegressionView
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
        view = getattr(snapshot, "predictions", None)
        if view is not None:
            self.trainer.events.publish(predictions_event(self.trainer, snapshot, view))
        self.trainer.events.publish(snapshot)


def predictions_event(trainer: Any, snapshot: Any, view: Any) -> PredictionsEvent:
    """The core's prediction view as an event; a language model also gets a CPU copy of its
    weights, so the panel's Sample button never touches the live model."""
    from workbench.core.models import predictions as P

    event = PredictionsEvent(snapshot.step, snapshot.epoch, trainer.data.task)
    if isinstance(view, P.ClassificationView):
        event.classification = view
    elif isinstance(view, P.ForecastView):
        event.forecast = view
    elif isinstance(view, P.RegressionView):
        event.regression = view
    elif isinstance(view, P.SampleView):
        event.prime, event.sample, event.temperature = view.prime, view.text, view.temperature
        event.weights = {
            k: v.detach().to("cpu", copy=True).numpy()
            for k, v in trainer.model.state_dict().items()
        }
    return event


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
        if sampling is not None:
            extra["temperature"] = sampling.temperature
        probe = Probe.attach(
            trainer,
            n=options.n,
            split=options.split,
            max_per_s=options.max_per_s,
            publish=ProbePublisher(trainer),
            **extra,
        )
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

    def set_temperature(self, temperature: float) -> None:
        """From the GUI thread: the next epoch-end sample of a running probe uses it too."""
        self.sampling.temperature = float(temperature)
        if self.probe is not None:
            self.probe.temperature = float(temperature)
