"""What inspection publishes: plain dataclasses (NumPy arrays, no tensors), importable without torch.

The training thread publishes these on the run's event bus next to the loop's own events
(``workbench.core.training.events``); a view dispatches on their type. ``ProbeOptions`` is what a
run is asked to probe (``RunOptions.probe``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Tokens an LM sample has unless the user picks another length.
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
    """Language-model sampling settings; the temperature also reaches a running probe
    (``TrainingSession.set_temperature``)."""

    temperature: float = 0.8
    n_tokens: int = SAMPLE_TOKENS
    prime: str = ""


@dataclass
class LayerView:
    """One direction of one layer of a recurrent block; arrays are ``[B, T, H]`` float32, NaN on padding."""

    block: int
    kind: str
    layer: int
    direction: int
    hidden: np.ndarray
    gates: dict[str, np.ndarray] = field(default_factory=dict)
    cell: np.ndarray | None = None

    @property
    def name(self) -> str:
        arrow = "←" if self.direction else "→"
        return f"{self.kind.upper()} block {self.block} · layer {self.layer} {arrow}"


@dataclass
class LayerHealth:
    block: int
    kind: str
    layer: int
    direction: int
    saturation: dict[str, float]  # gate -> share of saturated values (valid steps only)
    saturated_fraction: float  # over all gates together (NaN for a ReLU RNN)
    frozen_units: np.ndarray  # int indices of units that never move
    frozen_fraction: float
    mean_forget: float | None = None  # LSTM
    mean_update: float | None = None  # GRU


@dataclass
class Trajectory:
    block: int
    layer: int
    direction: int
    points: np.ndarray  # [B, T, 2] h_t on PC1/PC2, NaN on padding
    explained_variance: np.ndarray  # [2] share of the variance each component explains


@dataclass
class ProbeSnapshot:
    """Everything the Inspect panel shows for one moment of training (plain Python / NumPy)."""

    step: int
    epoch: int
    blocks: list[LayerView]
    gate_health: list[LayerHealth]
    trajectory: list[Trajectory]
    inputs: np.ndarray  # probe inputs, [B, T, F] float or [B, T] token ids, for time alignment
    lengths: np.ndarray  # [B] valid steps per probe sequence
    grad_flow: GradFlow | None = None  # computed less often (each epoch end)
    has_grad_flow: bool = False
    tokens: list[list[str]] | None = None  # token input: the probe's tokens, for text views
    #: ClassificationView / ForecastView / RegressionView / SampleView (predictions.py), with grad_flow
    predictions: ClassificationView | ForecastView | RegressionView | SampleView | None = None
    elapsed_s: float = 0.0  # what computing this snapshot cost
    name: str = "inspection"
    kind: str = "probe"  # an event for the training event bus


@dataclass
class LayerGradFlow:
    """Gradient norms over time of one layer and direction (NaN where every probe sequence is padding)."""

    block: int
    kind: str
    layer: int
    direction: int
    dh: np.ndarray  # [T] ||dL/dh_t|| over the probe batch and units (total, through the recurrence)
    dh_per_sequence: np.ndarray  # [B, T]

    def ratio_first_last(self) -> float:
        """``||dL/dh_1|| / ||dL/dh_T||`` (in reading order: reverse direction reads T first)."""
        valid = np.flatnonzero(np.isfinite(self.dh))
        first, last = self.dh[valid[0]], self.dh[valid[-1]]
        if self.direction:
            first, last = last, first
        return float(first / last) if last > 0 else float("nan")


@dataclass
class GradFlow:
    """All views of one gradient-flow measurement (plain NumPy)."""

    loss: float
    layers: list[LayerGradFlow]
    dx: dict[int, np.ndarray]  # block index -> [T] ||dL/dx_t|| at the block's input (fused kernels)


@dataclass
class ClassificationView:
    confusion: np.ndarray  # [C, C]
    per_class_accuracy: np.ndarray  # [C]
    accuracy: float
    class_names: list[str]
    #: Accuracy of always answering the training split's majority class, on the same sequences.
    baseline_accuracy: float | None = None


@dataclass
class ForecastView:
    """First-step forecasts of each target over consecutive windows, in original units."""

    target_names: list[str]
    true: np.ndarray  # [N, n_targets]
    one_step: np.ndarray  # [N, n_targets] teacher-forced: each window holds the real past
    rollout: np.ndarray | None  # [N, n_targets] autoregressive: predictions fed back (None: cannot)
    note: str = ""
    #: The baseline's forecast of the same targets [N, n_targets] and its name (None: none).
    baseline: np.ndarray | None = None
    baseline_name: str = ""


@dataclass
class RegressionView:
    """Prediction vs target per sequence (first ``limit`` validation sequences), original units."""

    target_names: list[str]
    true: np.ndarray  # [N, K]
    predicted: np.ndarray  # [N, K]


@dataclass
class SampleView:
    """A language model's sampled continuation of a prime text."""

    prime: str
    text: str
    temperature: float


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
    model_spec: dict[str, Any] | None = None
    error: str = ""  # inspection could not start (training goes on without it)
    step: int = 0
    name: str = "context"
    kind: str = "probe"


@dataclass
class PredictionsEvent:
    """The epoch-end prediction view of the task (one of the four fields is set)."""

    step: int
    epoch: int
    task: str
    classification: ClassificationView | None = None
    forecast: ForecastView | None = None
    regression: RegressionView | None = None
    sample: str = ""  # LM continuation sampled at this epoch's end
    prime: str = ""
    temperature: float = 1.0
    #: LM: the session kept a CPU copy of these weights (``TrainingSession.sample_text``).
    can_sample: bool = False
    elapsed_s: float = 0.0
    note: str = ""
    name: str = "predictions"
    kind: str = "probe"


@dataclass
class GradFlowHistory:
    """Every gradient-flow measurement of the run so far, ``[(epoch, step, GradFlow)]``.

    A view that keeps only the newest event of a type per refresh could miss a snapshot that
    carried gradient flow; this cumulative event makes sure every epoch's measurement arrives.
    """

    flows: list[tuple[int, int, GradFlow]]
    step: int = 0
    name: str = "gradflow"
    kind: str = "probe"


#: Every event type inspection publishes (for dispatch by type).
InspectionEvent = ProbeSnapshot | InspectContext | PredictionsEvent | GradFlowHistory
INSPECTION_EVENTS = (ProbeSnapshot, InspectContext, PredictionsEvent, GradFlowHistory)
