"""A small declarative base for specs: dataclasses that validate themselves from JSON.

Every spec is a dataclass whose fields carry their constraints (``spec_field(ge=1)``,
``choices=…``). ``from_dict`` checks types, ranges, unknown fields and cross-field rules and
reports *every* problem by path (``model.layers[2].hidden_size: must be ≥ 1 (got 0)``) in one
``SpecError`` — never a bare KeyError/TypeError. ``to_dict`` gives plain JSON-ready values.

Versioned specs set ``FORMAT_VERSION`` and ``MIGRATIONS`` (``{old_version: upgrade_fn}``, each
turning a dict of version v into one of v + 1) so older files keep loading.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Self

from workbench.core.errors import Problem, SpecError

_MISSING = dataclasses.MISSING
_T = typing.TypeVar("_T")


def spec_field(
    default: Any = _MISSING,
    *,
    default_factory: Callable[[], Any] | Any = _MISSING,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: tuple[Any, ...] | None = None,
    doc: str = "",
) -> Any:
    """A dataclass field with validation metadata (bounds, allowed values, a help text)."""
    meta = {"ge": ge, "gt": gt, "le": le, "lt": lt, "choices": choices, "doc": doc}
    if default_factory is not _MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def field_doc(cls: type, name: str) -> str:
    """The help text of a spec field (used for GUI tooltips)."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            return str(f.metadata.get("doc", ""))
    return ""


def field_choices(cls: type, name: str) -> tuple[Any, ...]:
    """The allowed values of a spec field, or () when it is free."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            return f.metadata.get("choices") or ()
    return ()


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) < 60 else repr(value[:57] + "...")
    if isinstance(value, (dict, list)):
        return type(value).__name__
    return str(value)


class SpecBase:
    """Mixin for spec dataclasses: validated ``from_dict`` and plain ``to_dict``.

    A spec that others hold is never changed in place (``workbench.core.spec.project`` states
    the contract): ``replace`` / ``copy`` / ``with_path`` make the changed one.
    """

    FORMAT_VERSION: ClassVar[int | None] = None
    MIGRATIONS: ClassVar[dict[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}

    # ---- serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.FORMAT_VERSION is not None:
            out["format_version"] = self.FORMAT_VERSION
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            out[f.name] = _to_plain(getattr(self, f.name))
        return out

    @classmethod
    def from_dict(cls, data: Any, path: str = "", source: str = "") -> Self:
        """Build and validate; raises ``SpecError`` listing every problem found."""
        obj, problems = cls.parse(data, path)
        if obj is not None:
            problems.extend(obj.problems(path))
        if problems or obj is None:
            raise SpecError(
                problems or [Problem(path or "spec", "could not be read")], source=source
            )
        return obj

    @classmethod
    def parse(cls, data: Any, path: str = "") -> tuple[Self | None, list[Problem]]:
        """Build without validating values: (the spec or None, the problems met while reading).

        Values of the wrong type keep their defaults (and are listed); values out of range are
        kept, for ``problems()`` to report — so an editor can open a flawed file and fix it.
        """
        problems: list[Problem] = []
        return _parse_spec(cls, data, path, problems), problems

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (not re-validated; call ``problems`` to check)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def copy(self) -> Self:
        return type(self).from_dict(self.to_dict())

    # ---- validation ---------------------------------------------------------------------
    def problems(self, path: str = "") -> list[Problem]:
        """Every problem of this spec and its children, re-checked from the current values."""
        found: list[Problem] = []
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            fpath = _join(path, f.name)
            value = getattr(self, f.name)
            _check_value(value, hints[f.name], f.metadata, fpath, found)
        try:
            found.extend(Problem.of(p) for p in self.check(path))
        except (TypeError, ValueError, AttributeError, OverflowError):
            # A cross-field rule met a value of the wrong type (found by tests/fuzz:
            # ``val_fraction: []`` crashed here); that value's own problem is reported where
            # it was parsed — never accept the spec without one.
            if not found:
                found.append(Problem(path or "spec", "holds values of the wrong type"))
        return found

    def check(self, path: str) -> list[Problem]:
        """Cross-field rules; override in subclasses. Return ``Problem(path, message)``s."""
        return []


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _to_plain(value: Any) -> Any:
    if isinstance(value, SpecBase):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_plain(v) for k, v in value.items()}
    return value


def _is_optional(tp: Any) -> tuple[bool, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return True, args[0]
    return False, tp


def _migrate(
    cls: type[SpecBase], data: dict[str, Any], path: str, problems: list[Problem]
) -> dict[str, Any] | None:
    version = data.get("format_version", cls.FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(
            Problem(
                _join(path, "format_version"), f"must be a whole number ≥ 1 (got {_show(version)})"
            )
        )
        return None
    current = cls.FORMAT_VERSION or 1
    if version > current:
        problems.append(
            Problem(
                _join(path, "format_version"),
                f"written by a newer workbench (version {version}; "
                f"this one reads up to {current}) — update the workbench to open it",
            )
        )
        return None
    data = dict(data)
    while version < current:
        upgrade = cls.MIGRATIONS.get(version)
        if upgrade is None:
            problems.append(
                Problem(_join(path, "format_version"), f"no migration from version {version}")
            )
            return None
        data = upgrade(data)
        version += 1
    data.pop("format_version", None)
    return data


def _parse_spec(cls: type, data: Any, path: str, problems: list[Problem]) -> Any:
    where = path or "spec"
    if not isinstance(data, dict):
        problems.append(Problem(where, f"expected an object (got {_show(data)})"))
        return None
    if getattr(cls, "FORMAT_VERSION", None) is not None:
        migrated = _migrate(cls, data, path, problems)
        if migrated is None:
            return None
        data = migrated
    else:
        data = {k: v for k, v in data.items() if k != "format_version"}
    if hasattr(cls, "polymorphic_parse"):
        return cls.polymorphic_parse(data, path, problems)
    return _parse_fields(cls, data, path, problems)


def _parse_fields(
    cls: type[_T],
    data: dict[str, Any],
    path: str,
    problems: list[Problem],
    skip: tuple[str, ...] = (),
) -> _T | None:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key in data:
        if key not in fields and key not in skip:
            known = ", ".join(sorted(fields))
            problems.append(Problem(_join(path, str(key)), f"unknown field (known: {known})"))
    # Fields that fail to parse keep their defaults, so range and cross-field checks can
    # still run on the rest and the user sees every problem at once.
    kwargs: dict[str, Any] = {}
    for name in fields:
        if name not in data:
            continue
        before = len(problems)
        value = _parse_value(data[name], hints[name], _join(path, name), problems)
        nested = isinstance(value, SpecBase) or (
            isinstance(value, list) and all(isinstance(v, SpecBase) for v in value)
        )
        if len(problems) == before or (nested and value is not None):
            kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field without default
        problems.append(Problem(path or "spec", str(exc)))
        return None


def _parse_value(value: Any, tp: Any, path: str, problems: list[Problem]) -> Any:
    optional, tp = _is_optional(tp)
    if value is None:
        if optional or tp is Any:
            return None
        problems.append(Problem(path, "must not be empty (null)"))
        return None
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, SpecBase):
        return _parse_spec(tp, value, path, problems)
    if origin is list:
        (item_tp,) = typing.get_args(tp) or (Any,)
        if not isinstance(value, list):
            problems.append(Problem(path, f"expected a list (got {_show(value)})"))
            return None
        items = [_parse_value(v, item_tp, f"{path}[{i}]", problems) for i, v in enumerate(value)]
        return [item for item in items if item is not None]
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            problems.append(Problem(path, f"expected an object (got {_show(value)})"))
            return None
        return dict(value)
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            problems.append(Problem(path, f"expected true or false (got {_show(value)})"))
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            problems.append(Problem(path, f"expected a whole number (got {_show(value)})"))
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(Problem(path, f"expected a number (got {_show(value)})"))
            return value
        if not math.isfinite(value):
            problems.append(Problem(path, f"must be a finite number (got {value})"))
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            problems.append(Problem(path, f"expected text (got {_show(value)})"))
        return value
    return value


def _check_value(value: Any, tp: Any, meta: Any, path: str, problems: list[Problem]) -> None:
    """Range/choice checks on an already-typed value, and recursion into child specs."""
    if value is None:
        return
    if isinstance(value, SpecBase):
        problems.extend(value.problems(path))
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, SpecBase):
                problems.extend(item.problems(f"{path}[{i}]"))
            else:
                _check_scalar(item, meta, f"{path}[{i}]", problems)
        return
    _check_scalar(value, meta, path, problems)


def _check_scalar(value: Any, meta: Any, path: str, problems: list[Problem]) -> None:
    choices = meta.get("choices") if meta else None
    if choices and value not in choices:
        allowed = ", ".join(_show(c) for c in choices)
        problems.append(Problem(path, f"must be one of {allowed} (got {_show(value)})"))
        return
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not meta:
        return
    if meta.get("ge") is not None and value < meta["ge"]:
        problems.append(Problem(path, f"must be ≥ {meta['ge']} (got {value})"))
    if meta.get("gt") is not None and value <= meta["gt"]:
        problems.append(Problem(path, f"must be > {meta['gt']} (got {value})"))
    if meta.get("le") is not None and value > meta["le"]:
        problems.append(Problem(path, f"must be ≤ {meta['le']} (got {value})"))
    if meta.get("lt") is not None and value >= meta["lt"]:
        problems.append(Problem(path, f"must be < {meta['lt']} (got {value})"))
