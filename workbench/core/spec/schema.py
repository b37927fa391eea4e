"""The project file format, generated from the spec fields: a JSON Schema and a Markdown page.

The spec dataclasses already carry types, defaults, bounds, choices and docs; this walks them,
so ``docs/project-format.md`` and ``resources/project.schema.json`` cannot drift from the code
(tests compare both with a fresh rendering). Regenerate with ``workbench schema --write``.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from workbench.core.spec.base import SpecBase, _is_optional, _to_plain
from workbench.core.spec.layers import LAYER_TYPES, LayerSpec
from workbench.core.spec.project import (
    ClipSpec,
    DataSpec,
    EarlyStoppingSpec,
    HeadSpec,
    InputSpec,
    ModelSpec,
    OptimizerSpec,
    ProjectSpec,
    ScheduleSpec,
    SplitSpec,
    TrainSpec,
)

SCHEMA_ID = "https://sequence-workbench.invalid/project.schema.json"
#: Sections of the reference, in reading order: (JSON path, spec class).
SECTIONS: list[tuple[str, type]] = [
    ("(project file)", ProjectSpec),
    ("data", DataSpec),
    ("data.split", SplitSpec),
    ("model", ModelSpec),
    ("model.input", InputSpec),
    ("model.head", HeadSpec),
    ("train", TrainSpec),
    ("train.optimizer", OptimizerSpec),
    ("train.clip", ClipSpec),
    ("train.schedule", ScheduleSpec),
    ("train.early_stopping", EarlyStoppingSpec),
]


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return _to_plain(f.default)
    if f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        return None if isinstance(value, SpecBase) else _to_plain(value)
    return None


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    optional, tp = _is_optional(tp)
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, LayerSpec):
        for cls in LAYER_TYPES.values():
            defs.setdefault(cls.__name__, _class_schema(cls, defs))
        out: dict[str, Any] = {
            "oneOf": [{"$ref": f"#/$defs/{c.__name__}"} for c in LAYER_TYPES.values()]
        }
    elif isinstance(tp, type) and issubclass(tp, SpecBase):
        if tp.__name__ not in defs:
            defs[tp.__name__] = {}  # placeholder against recursion
            defs[tp.__name__] = _class_schema(tp, defs)
        out = {"$ref": f"#/$defs/{tp.__name__}"}
    elif origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        out = {"type": "array", "items": _type_schema(item, defs)}
    elif origin is dict or tp is dict:
        out = {"type": "object"}
    elif tp in (str, int, float, bool):
        out = {"type": {str: "string", int: "integer", float: "number", bool: "boolean"}[tp]}
    else:
        out = {}
    if optional:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _class_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    if issubclass(cls, LayerSpec):
        props["type"] = {"const": cls.type, "description": cls.label or cls.type}
        required.append("type")
    version = getattr(cls, "FORMAT_VERSION", None)
    if version is not None:
        props["format_version"] = {
            "type": "integer",
            "minimum": 1,
            "maximum": version,
            "description": "Format version of this part (older versions are migrated)",
        }
    for f in dataclasses.fields(cls):
        schema = _type_schema(hints[f.name], defs)
        meta = f.metadata
        target = schema["items"] if schema.get("type") == "array" else schema
        if meta.get("choices"):  # on a list: each item (as the spec checks it)
            choices = list(meta["choices"])
            if _is_optional(hints[f.name])[0]:
                choices.append(None)
            target["enum"] = choices
        for key, word in (
            ("ge", "minimum"),
            ("gt", "exclusiveMinimum"),
            ("le", "maximum"),
            ("lt", "exclusiveMaximum"),
        ):
            if meta.get(key) is not None:
                target[word] = meta[key]
        default = _default(f)
        if default is not None or f.default is None:
            schema["default"] = default
        if meta.get("doc"):
            schema["description"] = meta["doc"]
        props[f.name] = schema
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of a project file."""
    defs: dict[str, Any] = {}
    root = _class_schema(ProjectSpec, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Sequence Workbench project",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


# ---- Markdown ---------------------------------------------------------------------------------
def _type_text(tp: Any) -> str:
    optional, tp = _is_optional(tp)
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, LayerSpec):
        text = "layer object"
    elif isinstance(tp, type) and issubclass(tp, SpecBase):
        text = "object"
    elif origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        text = f"list of {_type_text(item)}"
    elif origin is dict or tp is dict:
        text = "object"
    else:
        text = {str: "text", int: "whole number", float: "number", bool: "true/false"}.get(
            tp, "any"
        )
    return text + (" or null" if optional else "")


def _json(value: Any) -> str:
    import json

    return "`" + json.dumps(value, ensure_ascii=False) + "`"


def _allowed(meta: Any, each: bool = False) -> str:
    parts = []
    if meta.get("choices"):
        parts.append(("each of " if each else "") + ", ".join(_json(c) for c in meta["choices"]))
    for key, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
        if meta.get(key) is not None:
            parts.append(f"{sign} {meta[key]:g}")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(cls: type) -> list[str]:
    hints = typing.get_type_hints(cls)
    lines = ["| field | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    if issubclass(cls, LayerSpec):
        lines.append(f"| `type` | text | — | {_json(cls.type)} | which layer this is |")
    for f in dataclasses.fields(cls):
        default = _default(f)
        nested = default is None and f.default is dataclasses.MISSING
        shown = "object, see its section" if nested else _json(default)
        row = [
            f"`{f.name}`",
            _type_text(hints[f.name]),
            shown,
            _allowed(f.metadata, typing.get_origin(_is_optional(hints[f.name])[1]) is list),
            f.metadata.get("doc", "") or _NO_DOC.get(f.name, ""),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return lines


_NO_DOC = {
    "data": "What to read and how to prepare it",
    "model": "The layer stack",
    "train": "How to fit the model",
    "split": "Train / validation / test split",
    "normalization": "Feature scaling, fitted on the training part only",
    "normalization_stats": "Filled in by the data layer (the fitted scaling); leave out",
    "target_transform_state": "Filled in by the data layer (fitted transforms); leave out",
    "input": "What each time step holds",
    "head": "The output layer",
    "optimizer": "Optimizer and learning rate",
    "clip": "Gradient clipping",
    "schedule": "Learning-rate schedule",
    "early_stopping": "Stop when a metric stops improving",
    "name": "Optimizer",
    "kind": "Schedule",
    "enabled": "Stop early",
}


def markdown() -> str:
    """``docs/project-format.md``: every field, then how the main choices behave."""
    from workbench.core.spec.schema_prose import INTRO, PROSE

    out = [INTRO.strip(), ""]
    for path, cls in SECTIONS:
        out += [f"## `{path}`" if path != "(project file)" else "## The project file", ""]
        out += _table(cls) + [""]
        if cls is ModelSpec:
            out += ["### Layer types (`model.layers[]`)", ""]
            for name, layer in LAYER_TYPES.items():
                out += [f"#### `{name}`" + (f" — {layer.label}" if layer.label else ""), ""]
                out += _table(layer) + [""]
    out += [PROSE.strip(), ""]
    return "\n".join(out)
