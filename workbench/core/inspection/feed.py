"""Inspection of a running training: attach the ``Probe`` and publish what it sees.

``attach_inspection`` runs on the training thread right after the trainer is built (the session
calls it) and attaches the ``Probe`` (hidden states, gates, gradient flow, and at epoch ends the
prediction views: confusion matrix, forecasts, predicted vs true, a sampled text). Its
``ProbePublisher`` publishes the epoch-end parts as events of their own (``GradFlowHistory``,
``PredictionsEvent``) next to each ``ProbeSnapshot``, and keeps a CPU copy of a language model's
weights, so sampling on demand never touches the live model and no weights travel in events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core.inspection.events import (
    ClassificationView,
    ForecastView,
    GradFlow,
    GradFlowHistory,
    InspectContext,
    PredictionsEvent,
    ProbeOptions,
    ProbeSnapshot,
    RegressionView,
    SampleView,
    SamplingSettings,
)

if TYPE_CHECKING:
    from workbench.core.inspection.probe import Probe
    from workbench.core.training.trainer import Trainer


@dataclass
class InspectionSettings:
    """What a view asks of the next run's inspection: the probe (``options``, replaced whole
    when edited, read once when a run starts) and language-model sampling (edited in place)."""

    options: ProbeOptions = field(default_factory=ProbeOptions)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)


class ProbePublisher:
    """``Probe.publish``: the snapshot, plus the gradient-flow history when it carries one."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.flows: list[tuple[int, int, GradFlow]] = []
        #: ``(epoch, {name: array})``: a language model's weights at its latest epoch-end sample.
        self.weights: tuple[int, dict[str, np.ndarray]] | None = None

    def __call__(self, snapshot: ProbeSnapshot) -> None:
        events = self.trainer.events
        if snapshot.has_grad_flow and snapshot.grad_flow is not None:
            self.flows.append((snapshot.epoch, snapshot.step, snapshot.grad_flow))
            events.publish(GradFlowHistory(list(self.flows), snapshot.step))
        view = snapshot.predictions
        if view is not None:
            events.publish(self.predictions_event(snapshot, view))
        events.publish(snapshot)

    def predictions_event(
        self,
        snapshot: ProbeSnapshot,
        view: ClassificationView | ForecastView | RegressionView | SampleView,
    ) -> PredictionsEvent:
        """The core's prediction view as an event; for a language model a CPU copy of its
        weights is kept here, so a later "sample" never touches the live model."""
        event = PredictionsEvent(snapshot.step, snapshot.epoch, self.trainer.data.task)
        if isinstance(view, ClassificationView):
            event.classification = view
        elif isinstance(view, ForecastView):
            event.forecast = view
        elif isinstance(view, RegressionView):
            event.regression = view
        elif isinstance(view, SampleView):
            event.prime, event.sample, event.temperature = view.prime, view.text, view.temperature
            assert self.trainer.model is not None
            self.weights = (
                snapshot.epoch,
                {
                    k: v.detach().to("cpu", copy=True).numpy()
                    for k, v in self.trainer.model.state_dict().items()
                },
            )
            event.can_sample = True
        return event


def make_context(trainer: Trainer, options: ProbeOptions, error: str = "") -> InspectContext:
    """What the views need to label and decode this run's probe."""
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
    trainer: Trainer, options: ProbeOptions, temperature: float | None = None
) -> tuple[Probe, ProbePublisher] | None:
    """Runs on the training thread before ``trainer.run()``: probe + prediction views.

    A data error is left for ``run()`` to report the usual way (it prepares again); a failure of
    the inspection itself is reported as an ``InspectContext`` with ``error`` and training goes on
    without it.
    """
    from workbench.core.errors import WorkbenchError
    from workbench.core.inspection.probe import Probe

    if not options.enabled:
        return None
    try:
        trainer.prepare()
    except WorkbenchError:
        return None
    publisher = ProbePublisher(trainer)
    try:
        extra: dict[str, Any] = {} if options.budget is None else {"budget": options.budget}
        if temperature is not None:
            extra["temperature"] = temperature
        probe = Probe.attach(
            trainer,
            n=options.n,
            split=options.split,
            max_per_s=options.max_per_s,
            publish=publisher,
            **extra,
        )
    except Exception as exc:  # noqa: BLE001 - inspection must never stop training
        trainer.events.publish(make_context(trainer, options, f"{type(exc).__name__}: {exc}"))
        return None
    trainer.events.publish(make_context(trainer, options))
    return probe, publisher


def sample_with_weights(
    model_spec: dict[str, Any],
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
    from workbench.core.spec.project import ModelSpec

    model = build_model(ModelSpec.from_dict(model_spec))
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in weights.items()})
    ids = encode(vocab, prime, "word" if joiner == " " else "char") or [0]
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    out = sample_ids(model, ids, n_tokens, temperature, gen)
    return joiner.join(vocab[i] if 0 <= i < len(vocab) else "<unk>" for i in out)
