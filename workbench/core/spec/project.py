"""The project spec: the one source of truth that the GUI edits, the CLI reads and training takes.

``ProjectSpec`` = ``DataSpec`` + ``ModelSpec`` + ``TrainSpec``. A saved project is exactly
``ProjectSpec.to_dict()`` as JSON. Torch-free on purpose: the GUI imports this at start-up.

Immutability contract: specs are plain dataclasses (mutable, so a builder or a test can fill
one in), but a spec that has been handed to someone else is never changed in place. Whoever
wants a different spec makes a new one: ``spec.replace(field=…)`` (one level),
``with_path(spec, "model.layers[0].hidden_size", 64)`` (copies only the path, shares the rest),
``copy.deepcopy(spec)`` then edits (no validation) or ``spec.copy()`` (validated round trip).
The app's document relies on it to share specs between its undo steps instead of copying the
project on each edit; the Trainer copies its spec once and owns that copy (it fits the model to
the data in place).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from workbench.core.errors import Problem
from workbench.core.spec.base import SpecBase, _join, spec_field
from workbench.core.spec.layers import LayerSpec, LSTMSpec
from workbench.core.spec.task import PER_STEP_TASKS, TASKS, Task

#: torch's generators take seeds up to 2**64 - 1; a larger one overflowed inside torch.
SEED_MAX = 2**64 - 1


#: The learning rate's bounds, defined once (the spec field, the live control, the app's box):
#: above 0, at most ``LR_MAX``.
LR_MAX = 10.0


def lr_problem(lr: float) -> str:
    """What is wrong with ``lr`` as a learning rate ("" when nothing)."""
    if not math.isfinite(lr) or lr <= 0:
        return f"learning rate must be a positive number (got {lr})"
    if lr > LR_MAX:
        return f"learning rate must be ≤ {LR_MAX:g} (got {lr})"
    return ""


DATA_FORMATS = ("auto", "builtin", "wide_csv", "long_csv", "numpy", "text", "ts", "ucr_tsv")


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
@dataclass
class SplitSpec(SpecBase):
    """How the data is split into train / validation / test (fractions, order, seed)."""

    kind: str = spec_field(
        "auto",
        choices=("auto", "random", "chronological", "predefined"),
        doc="auto: chronological for windows cut from one series, random otherwise; "
        "predefined: the file's own train/test files",
    )
    val_fraction: float = spec_field(0.15, ge=0.0, lt=1.0, doc="Share of data for validation")
    test_fraction: float = spec_field(0.15, ge=0.0, lt=1.0, doc="Share of data for testing")
    gap: int = spec_field(0, ge=0, doc="Time steps left out between chronological splits")
    seed: int = spec_field(0, ge=0, le=SEED_MAX, doc="Seed of the random split")
    strict: bool = spec_field(
        False,
        doc="Windows cut from one series stay wholly inside their split. Off (default): a "
        "val/test window's targets lie inside its split but its inputs may reach back into the "
        "data before it (no target ever leaks; short splits still get windows)",
    )

    def check(self, path: str) -> list[Problem]:
        if self.val_fraction + self.test_fraction >= 1.0:
            return [
                Problem(
                    path,
                    "validation + test fractions must leave data for training "
                    f"(got {self.val_fraction} + {self.test_fraction})",
                )
            ]
        return []


@dataclass
class DataSpec(SpecBase):
    """Where the data comes from and how it is read and cut into sequences."""

    # Example: ``DataSpec(source="weather.csv", task="forecasting", window=24)``; ``problems()``
    # names each problem by its path (``data.window``).

    FORMAT_VERSION = 1

    source: str = spec_field(
        "builtin:seed",
        doc="A file path (relative to the project file), 'builtin:NAME' or 'resource:FILE'",
    )
    format: str = spec_field("auto", choices=DATA_FORMATS, doc="File format (auto: by extension)")
    task: str = spec_field(Task.CLASSIFICATION.value, choices=TASKS, doc="What the model learns")
    # Table options (CSV/TSV)
    delimiter: str | None = spec_field(None, doc="Column separator (empty: sniffed)")
    decimal: str = spec_field(
        "auto", choices=("auto", ".", ","), doc="Decimal mark (auto: sniffed from the cells)"
    )
    thousands: str = spec_field(
        "auto",
        choices=("auto", "none", ",", ".", " "),
        doc="Thousands separator (auto: detected per column; ambiguous cells are an error)",
    )
    header: bool | None = spec_field(None, doc="First row holds column names (empty: sniffed)")
    feature_columns: list[str] = spec_field(default_factory=list, doc="Inputs (empty: all others)")
    target_columns: list[str] = spec_field(default_factory=list, doc="Targets / label column")
    id_column: str | None = spec_field(None, doc="Sequence id column (long CSV)")
    time_column: str | None = spec_field(None, doc="Timestamp / step column")
    ignore_columns: list[str] = spec_field(default_factory=list, doc="Columns left out")
    # Windowing of one long series (forecasting / regression)
    window: int = spec_field(24, ge=1, doc="Input window length in time steps")
    stride: int = spec_field(1, ge=1, doc="Steps between window starts")
    horizon: int = spec_field(1, ge=1, doc="Steps ahead to predict (> 1: multi-step target)")
    target_transforms: list[str] = spec_field(
        default_factory=list,
        choices=("none", "log", "difference", "seasonal_difference"),
        doc="Applied to the target columns of a windowed series in order (e.g. log, then "
        "difference) before scaling; every reported figure is turned back into original units",
    )
    season: int | None = spec_field(
        None,
        ge=1,
        doc="Season length in steps for seasonal_difference and the seasonal-naive baseline "
        "(empty: auto, from the time column's spacing: 12 monthly, 7 daily, 24 hourly …)",
    )
    # NumPy
    x_key: str = spec_field("X", doc="Array name of the inputs in an .npz")
    y_key: str = spec_field("y", doc="Array name of the targets in an .npz")
    # Text
    text_level: str = spec_field(
        "char", choices=("char", "word"), doc="Tokens are characters or words"
    )
    seq_len: int = spec_field(100, ge=2, doc="Tokens per truncated-BPTT chunk")
    min_freq: int = spec_field(1, ge=1, doc="Rarer tokens become <unk>")
    # Built-in generators' parameters (length, n_samples, noise, …)
    builtin: dict[str, Any] = spec_field(default_factory=dict, doc="Generator parameters")
    test_source: str | None = spec_field(None, doc="Separate test file (e.g. UCR *_TEST.ts)")
    split: SplitSpec = spec_field(default_factory=SplitSpec)
    normalization: str = spec_field("zscore", choices=("zscore", "minmax", "none"))
    #: Fitted on the training split only; filled in by the data layer, used to undo scaling.
    normalization_stats: dict[str, Any] | None = spec_field(None)
    #: The fitted target transforms (``TargetTransform.to_dict``) and resolved season; filled
    #: in by the data layer so predict/export rebuild the same chain from the run.
    target_transform_state: dict[str, Any] | None = spec_field(None)
    missing: str = spec_field(
        "refuse", choices=("refuse", "drop", "interpolate"), doc="What to do with NaN/empty cells"
    )

    def check(self, path: str) -> list[Problem]:
        found = []
        if not self.source.strip():
            found.append(Problem(_join(path, "source"), "must name a file or a built-in dataset"))
        if self.delimiter is not None and len(self.delimiter) != 1 and self.delimiter != "\\t":
            found.append(
                Problem(_join(path, "delimiter"), f"must be one character (got {self.delimiter!r})")
            )
        return found


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------
@dataclass
class InputSpec(SpecBase):
    """What the model reads: numeric features per step, or token ids through an embedding."""

    kind: str = spec_field("numeric", choices=("numeric", "tokens"), doc="Numbers or token ids")
    n_features: int = spec_field(10, ge=1, doc="Features per time step (numeric input)")
    vocab_size: int = spec_field(64, ge=2, doc="Distinct tokens (token input)")
    embedding_dim: int = spec_field(32, ge=1, le=65536, doc="Embedding width (token input)")

    @property
    def width(self) -> int:
        return self.n_features if self.kind == "numeric" else self.embedding_dim


@dataclass
class HeadSpec(SpecBase):
    """The model's output layer: one output per sequence or per step, and how it pools."""

    kind: str = spec_field(
        "sequence", choices=("sequence", "per_step"), doc="One output per sequence or per step"
    )
    pooling: str = spec_field(
        "last",
        choices=("last", "last_step", "mean", "max"),
        doc="How a sequence head reads the steps. last: each direction's final state (after a "
        "bidirectional layer: forward at the last valid step, backward at the first); "
        "last_step: every feature at the last valid step; mean / max over valid steps",
    )
    hidden_size: int = spec_field(0, ge=0, le=65536, doc="Dense layer before the output (0 = none)")
    output_size: int = spec_field(10, ge=1, doc="Classes, targets or vocabulary")
    dropout: float = spec_field(0.0, ge=0.0, lt=1.0, doc="Dropout before the output layer")


@dataclass
class ModelSpec(SpecBase):
    """The network: an input, a stack of layer blocks and a head."""

    # ``core.models.build_model(spec)`` builds it; ``core.spec.model_fit`` fits input and head to data.

    FORMAT_VERSION = 1

    input: InputSpec = spec_field(default_factory=InputSpec)
    layers: list[LayerSpec] = spec_field(default_factory=lambda: [LSTMSpec(hidden_size=64)])
    head: HeadSpec = spec_field(default_factory=HeadSpec)

    def check(self, path: str) -> list[Problem]:
        if not any(layer.recurrent for layer in self.layers):
            return [Problem(_join(path, "layers"), "needs at least one RNN, LSTM or GRU block")]
        return []

    def layer_widths(self) -> list[tuple[int, int]]:
        """(input width, output width) per layer, following the stack."""
        widths, width = [], self.input.width
        for layer in self.layers:
            out = layer.output_width(width)
            widths.append((width, out))
            width = out
        return widths


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------
@dataclass
class OptimizerSpec(SpecBase):
    """The optimizer and its settings."""

    name: str = spec_field("adam", choices=("sgd", "adam", "adamw", "rmsprop"))
    lr: float = spec_field(1e-3, gt=0.0, le=LR_MAX, doc="Learning rate")
    weight_decay: float = spec_field(0.0, ge=0.0, doc="L2 penalty (decoupled for AdamW)")
    momentum: float = spec_field(0.0, ge=0.0, lt=1.0, doc="SGD / RMSprop momentum")
    nesterov: bool = spec_field(False, doc="Nesterov momentum (SGD, needs momentum > 0)")

    def check(self, path: str) -> list[Problem]:
        if self.nesterov and (self.name != "sgd" or self.momentum <= 0):
            return [Problem(_join(path, "nesterov"), "needs optimizer 'sgd' with momentum > 0")]
        return []


@dataclass
class ClipSpec(SpecBase):
    """Gradient clipping (by global norm or by value; off by default)."""

    mode: str = spec_field("none", choices=("none", "norm", "value"), doc="Gradient clipping")
    max_value: float = spec_field(1.0, gt=0.0, doc="Largest gradient norm / value kept")


@dataclass
class ScheduleSpec(SpecBase):
    """The learning-rate schedule over the planned steps."""

    kind: str = spec_field("none", choices=("none", "step", "cosine", "onecycle", "plateau"))
    step_size: int = spec_field(10, ge=1, doc="Epochs between LR drops (step)")
    gamma: float = spec_field(0.5, gt=0.0, le=1.0, doc="LR multiplier per drop (step, plateau)")
    patience: int = spec_field(3, ge=0, doc="Epochs without improvement before a drop (plateau)")
    min_lr: float = spec_field(0.0, ge=0.0, doc="Lowest learning rate (cosine, plateau)")
    max_lr: float | None = spec_field(None, gt=0.0, doc="Peak LR of one-cycle (empty: 10 × LR)")


@dataclass
class EarlyStoppingSpec(SpecBase):
    """Which metric to watch for keep-best and early stopping, and how patiently."""

    enabled: bool = spec_field(False)
    metric: str = spec_field("val_loss", doc="Metric watched, e.g. val_loss or val_accuracy")
    mode: str = spec_field("auto", choices=("auto", "min", "max"), doc="auto: max for accuracy")
    patience: int = spec_field(5, ge=1, doc="Epochs without improvement before stopping")
    min_delta: float = spec_field(0.0, ge=0.0, doc="Smallest change that counts as improvement")


_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


@dataclass
class TrainSpec(SpecBase):
    """How to train: epochs, batch size, optimizer, schedule, clipping, device, seed."""

    FORMAT_VERSION = 1

    optimizer: OptimizerSpec = spec_field(default_factory=OptimizerSpec)
    batch_size: int = spec_field(32, ge=1, doc="Sequences per step")
    epochs: int = spec_field(10, ge=1, doc="Passes over the training split")
    max_steps: int | None = spec_field(
        None, ge=1, doc="Stop after this many steps (empty: no limit)"
    )
    clip: ClipSpec = spec_field(default_factory=ClipSpec)
    schedule: ScheduleSpec = spec_field(default_factory=ScheduleSpec)
    early_stopping: EarlyStoppingSpec = spec_field(default_factory=EarlyStoppingSpec)
    keep_best: bool = spec_field(True, doc="Keep the checkpoint with the best validation metric")
    device: str = spec_field("auto", doc="auto, cpu, cuda, cuda:N or mps")
    seed: int = spec_field(0, ge=0, le=SEED_MAX, doc="Seed for weights, shuffling and dropout")
    loss: str = spec_field("auto", choices=("auto", "cross_entropy", "mse", "mae"))

    def check(self, path: str) -> list[Problem]:
        if not _DEVICE.match(self.device):
            return [
                Problem(
                    _join(path, "device"),
                    f"must be auto, cpu, cuda, cuda:N or mps (got {self.device!r})",
                )
            ]
        return []


# ---------------------------------------------------------------------------------------------
# Project
# ---------------------------------------------------------------------------------------------
@dataclass
class ProjectSpec(SpecBase):
    """A whole project: the data, the model and how to train it (a project file is this, as JSON)."""

    # Never changed in place once shared: make a new one (the contract in this module's
    # docstring). Example: ``ProjectSpec.from_dict(json.load(f))``.

    FORMAT_VERSION = 1

    name: str = spec_field("untitled", doc="Project name")
    description: str = spec_field("", doc="One line about the project")
    data: DataSpec = spec_field(default_factory=DataSpec)
    model: ModelSpec = spec_field(default_factory=ModelSpec)
    train: TrainSpec = spec_field(default_factory=TrainSpec)

    def check(self, path: str) -> list[Problem]:
        found = []
        per_step = self.data.task in PER_STEP_TASKS
        want = "per_step" if per_step else "sequence"
        if self.model.head.kind != want:
            found.append(
                Problem(
                    "model.head.kind",
                    f"task {self.data.task!r} needs a {want!r} head (got {self.model.head.kind!r})",
                )
            )
        if self.data.task == Task.LANGUAGE_MODEL and self.model.input.kind != "tokens":
            found.append(
                Problem("model.input.kind", "a language model reads tokens (got 'numeric')")
            )
        return found
