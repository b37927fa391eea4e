"""Layer specs and their registry.

Each layer type is a small spec dataclass registered under a ``type`` name. New layer types
(e.g. parallel-scan cells) register here and in ``workbench.core.models.layers`` without
touching the builder's callers. Specs stay torch-free so the GUI can load them instantly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from workbench.core.errors import Problem
from workbench.core.spec.base import SpecBase, _join, _parse_fields, spec_field

LAYER_TYPES: dict[str, type[LayerSpec]] = {}


def register_layer(cls: type[LayerSpec]) -> type[LayerSpec]:
    """Class decorator: make a layer spec loadable by its ``type`` name."""
    LAYER_TYPES[cls.type] = cls
    return cls


class LayerSpec(SpecBase):
    """Base of every layer spec; serialised with a leading ``type`` key."""

    type: ClassVar[str] = ""
    label: ClassVar[str] = ""
    recurrent: ClassVar[bool] = False

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **super().to_dict()}

    @classmethod
    def polymorphic_parse(
        cls, data: dict[str, Any], path: str, problems: list[Problem]
    ) -> LayerSpec | None:
        kind = data.get("type")
        if cls is not LayerSpec:  # a concrete class was asked for directly
            if kind not in (None, cls.type):
                problems.append(
                    Problem(_join(path, "type"), f"expected {cls.type!r} (got {kind!r})")
                )
                return None
            return _parse_fields(cls, data, path, problems, skip=("type",))
        if not isinstance(kind, str) or kind not in LAYER_TYPES:  # a list is unhashable (fuzz)
            known = ", ".join(repr(k) for k in LAYER_TYPES)
            problems.append(
                Problem(_join(path, "type"), f"unknown layer type {kind!r} (known: {known})")
            )
            return None
        return _parse_fields(LAYER_TYPES[kind], data, path, problems, skip=("type",))

    def output_width(self, input_width: int) -> int:
        """Features per time step this layer emits, given what it receives."""
        return input_width


@dataclass
class RecurrentSpec(LayerSpec):
    """Settings shared by the recurrent blocks (width, stacked layers, direction, dropout)."""

    recurrent: ClassVar[bool] = True

    hidden_size: int = spec_field(64, ge=1, le=65536, doc="Units per direction")
    num_layers: int = spec_field(1, ge=1, le=64, doc="Stacked layers inside this block")
    bidirectional: bool = spec_field(False, doc="Also read the sequence backwards")
    dropout: float = spec_field(
        0.0, ge=0.0, lt=1.0, doc="Dropout between the block's stacked layers (needs layers ≥ 2)"
    )

    def output_width(self, input_width: int) -> int:
        return self.hidden_out * (2 if self.bidirectional else 1)

    @property
    def hidden_out(self) -> int:
        return self.hidden_size

    def check(self, path: str) -> list[Problem]:
        if self.dropout > 0 and self.num_layers < 2:
            return [
                Problem(
                    _join(path, "dropout"),
                    "only acts between stacked layers — set layers ≥ 2, "
                    f"or add a Dropout block instead (got dropout {self.dropout} with 1 layer)",
                )
            ]
        return []


@register_layer
@dataclass
class RNNSpec(RecurrentSpec):
    """A plain (Elman) RNN block: ``tanh`` or ``relu`` units."""

    type: ClassVar[str] = "rnn"
    label: ClassVar[str] = "RNN"

    nonlinearity: str = spec_field(
        "tanh", choices=("tanh", "relu"), doc="Activation of the plain RNN"
    )


@register_layer
@dataclass
class LSTMSpec(RecurrentSpec):
    """An LSTM block (optionally with projections, ``proj_size``)."""

    type: ClassVar[str] = "lstm"
    label: ClassVar[str] = "LSTM"

    proj_size: int = spec_field(0, ge=0, doc="Project h_t to this size (0 = no projection)")

    @property
    def hidden_out(self) -> int:
        return self.proj_size or self.hidden_size

    def check(self, path: str) -> list[Problem]:
        found = super().check(path)
        if self.proj_size and self.proj_size >= self.hidden_size:
            found.append(
                Problem(
                    _join(path, "proj_size"),
                    f"must be smaller than hidden_size {self.hidden_size} (got {self.proj_size})",
                )
            )
        return found


@register_layer
@dataclass
class GRUSpec(RecurrentSpec):
    """A GRU block."""

    type: ClassVar[str] = "gru"
    label: ClassVar[str] = "GRU"


@register_layer
@dataclass
class DropoutSpec(LayerSpec):
    """Dropout between blocks."""

    type: ClassVar[str] = "dropout"
    label: ClassVar[str] = "Dropout"

    p: float = spec_field(0.2, ge=0.0, lt=1.0, doc="Fraction of features zeroed during training")


@register_layer
@dataclass
class LayerNormSpec(LayerSpec):
    """Layer normalization over the features of each step."""

    type: ClassVar[str] = "layernorm"
    label: ClassVar[str] = "LayerNorm"

    eps: float = spec_field(1e-5, gt=0.0, doc="Added to the variance for stability")


def new_layer(kind: str, **fields: Any) -> LayerSpec:
    """A layer spec of a registered type with default settings."""
    return LAYER_TYPES[kind](**fields)
