"""Read and write spec values by their problem path (``model.layers[1].hidden_size``).

The spec's own ``problems()`` name the place of every problem with such a path
(``Problem.path``); the forms use the same paths to find the widget that shows a value and to
flag it inline.
"""

from __future__ import annotations

import copy
import re
from typing import Any

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        match = _PART.fullmatch(part)
        if match is None:
            raise ValueError(f"bad spec path {path!r}")
        steps.append(match.group(1))
        if match.group(2) is not None:
            steps.append(int(match.group(2)))
    return steps


def get_path(spec: Any, path: str) -> Any:
    """The value at ``path`` inside ``spec``."""
    value = spec
    for step in _steps(path):
        value = value[step] if isinstance(step, int) else getattr(value, step)
    return value


def with_path(spec: Any, path: str, value: Any) -> Any:
    """A copy of ``spec`` with the value at ``path`` replaced (not validated).

    Only the objects on the path are copied (shallowly); the rest is shared with ``spec``. That
    is safe because specs are not changed in place once shared (the contract in
    ``workbench.core.spec.project``); deep-copying the whole project on every keystroke cost
    ~1.5 ms a copy.
    """
    steps = _steps(path)
    new = copy.copy(spec)
    parent = new
    for step in steps[:-1]:
        child = copy.copy(parent[step] if isinstance(step, int) else getattr(parent, step))
        _set(parent, step, child)
        parent = child
    _set(parent, steps[-1], value)
    return new


def _set(parent: Any, step: str | int, value: Any) -> None:
    if isinstance(step, int):
        parent[step] = value
    else:
        setattr(parent, step, value)
