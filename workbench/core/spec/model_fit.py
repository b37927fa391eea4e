"""The one rule for fitting a model spec to its data: input kind and size, head size and kind.

Training applies it to the loaded data before building the model; the app applies it to the
data panel's summary so the model form always shows what training will build. Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.core.spec.project import ModelSpec
from workbench.core.spec.task import PER_STEP_TASKS


@dataclass(frozen=True)
class DataShape:
    """What the model must fit: the task, a vocabulary (token input) or a feature count, and
    the head's output size."""

    task: str
    vocab_size: int | None
    n_features: int
    output_size: int

    @classmethod
    def of(cls, data: Any) -> DataShape:
        """From a ``PreparedData`` (``vocab``) or a ``DataSummary`` (``vocab_size``)."""
        vocab = getattr(data, "vocab", None)
        vocab_size = len(vocab) if vocab is not None else getattr(data, "vocab_size", None)
        return cls(
            task=str(data.task),
            vocab_size=None if vocab_size is None else int(vocab_size),
            n_features=int(data.n_features),
            output_size=int(data.output_size),
        )


def fit_model_to_data(model: ModelSpec, shape: DataShape, *, head_kind: bool = True) -> list[str]:
    """Make ``model``'s input and head match ``shape`` (in place); returns what changed.

    ``head_kind``: also pick the head's kind for the task (per step or per sequence). A run
    passes False: there a head of the wrong kind is a spec problem to report, not to fix.
    """
    notes: list[str] = []

    def change(obj: Any, name: str, value: Any, label: str) -> None:
        old = getattr(obj, name)
        if old != value:
            setattr(obj, name, value)
            notes.append(f"{label} set to {value} to match the data (was {old})")

    inp, head = model.input, model.head
    if shape.vocab_size is not None:
        change(inp, "kind", "tokens", "model.input.kind")
        change(inp, "vocab_size", max(2, shape.vocab_size), "model.input.vocab_size")
    else:
        change(inp, "kind", "numeric", "model.input.kind")
        change(inp, "n_features", max(1, shape.n_features), "model.input.n_features")
    change(head, "output_size", max(1, shape.output_size), "model.head.output_size")
    if head_kind:
        kind = "per_step" if shape.task in PER_STEP_TASKS else "sequence"
        change(head, "kind", kind, "model.head.kind")
    return notes
