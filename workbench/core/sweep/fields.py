"""The settings a sweep can vary: the spec's own fields, by the paths the forms use.

The app's Sweep editor offers these (``model.layers[0].hidden_size``, ``train.optimizer.lr``…)
with what each one is — whole number, real number, on/off or one of a few values — so a range
is only offered where it makes sense, and the choices of a field come from the spec.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any

from workbench.core.spec.base import SpecBase, field_choices
from workbench.core.spec.project import ProjectSpec

#: Fields never worth varying (bookkeeping, or where the data come from).
_SKIP = {"format_version", "name", "description", "device", "normalization_stats"}
#: Fields the model takes from the data (core.spec.model_fit): varying them would be undone.
_FITTED = {
    "model.input.kind",
    "model.input.n_features",
    "model.head.kind",
    "model.head.output_size",
}
#: The data settings a sweep may vary (the rest say where the data are and how to read them).
_DATA = {"window", "stride", "horizon", "seq_len", "normalization", "min_freq"}


@dataclass(frozen=True)
class SweepField:
    """One setting a sweep can vary: its path, current value and kind.

    ``kind`` is ``int``, ``float``, ``bool`` or ``choice`` (``choices`` lists the values).
    """

    path: str
    value: Any
    kind: str
    choices: tuple[Any, ...] = ()
    doc: str = ""


def sweepable_fields(spec: ProjectSpec) -> list[SweepField]:
    """Every setting of ``spec`` a sweep can vary, in the order the forms show them."""
    out: list[SweepField] = []
    _walk(spec.model, "model", out)
    _walk(spec.train, "train", out)
    data: list[SweepField] = []
    _walk(spec.data, "data", data)
    out += [f for f in data if f.path.split(".")[1] in _DATA]
    return out


def _walk(node: SpecBase, path: str, out: list[SweepField]) -> None:
    from workbench.core.spec.layers import LAYER_TYPES, LayerSpec

    if isinstance(node, LayerSpec):
        recurrent = [k for k, cls in LAYER_TYPES.items() if cls(**{}).recurrent]
        kinds = recurrent if node.recurrent else list(LAYER_TYPES)
        out.append(SweepField(f"{path}.type", node.type, "choice", tuple(kinds), "layer type"))
    hints = typing.get_type_hints(type(node))
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        if f.name in _SKIP:
            continue
        value = getattr(node, f.name)
        where = f"{path}.{f.name}"
        if where in _FITTED:
            continue
        if isinstance(value, SpecBase):
            _walk(value, where, out)
        elif isinstance(value, list) and value and all(isinstance(v, SpecBase) for v in value):
            for i, item in enumerate(value):
                _walk(item, f"{where}[{i}]", out)
        else:
            kind = _kind(value, hints[f.name], field_choices(type(node), f.name))
            if kind is not None:
                choices = field_choices(type(node), f.name) if kind == "choice" else ()
                if kind == "bool":
                    choices = (False, True)
                doc = f.metadata.get("doc", "")
                out.append(SweepField(where, value, kind, tuple(choices), doc))


def _kind(value: Any, hint: Any, choices: tuple[Any, ...]) -> str | None:
    if choices:
        return "choice"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if value is None:  # an optional number left unset (max_steps, max_lr)
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if args == [int]:
            return "int"
        if args == [float]:
            return "float"
    return None
