"""A sweep definition: which settings vary and how, what to optimize, how to search.

It lives in a file beside the project (``forecast.json`` → ``forecast.sweep.json``)::

    {
      "name": "size-and-lr",
      "objective": "val_loss", "direction": "minimize",
      "sampler": "tpe", "trials": 8, "jobs": 2, "seed": 0,
      "pruner": {"kind": "median", "startup_trials": 2, "warmup_epochs": 1},
      "params": {
        "model.layers[0].type":        {"choices": ["lstm", "gru"]},
        "model.layers[0].hidden_size": {"low": 16, "high": 128, "step": 16},
        "train.optimizer.lr":          {"low": 1e-4, "high": 1e-2, "log": true},
        "train.batch_size":            {"choices": [16, 32, 64]}
      }
    }

Paths are the spec's own problem paths (those the forms show). A range of whole numbers is an
integer range (``step`` optional), ``log`` asks for a log scale, ``choices`` lists values.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeGuard

from workbench.core.errors import SpecError, WorkbenchError
from workbench.core.spec.project import ProjectSpec

SAMPLERS = ("grid", "random", "tpe")
DIRECTIONS = ("minimize", "maximize")
_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")


@dataclass
class SweepParam:
    """One varied setting: ``choices``, or a ``low..high`` range (int or float, log, step)."""

    path: str
    kind: str  # "choice" | "int" | "float"
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    choices: list[Any] = field(default_factory=list)

    def bounds(self) -> tuple[float, float]:
        """``(low, high)`` of a range (every kind but "choice" has them)."""
        if self.low is None or self.high is None:
            raise WorkbenchError(f"sweep: {self.path}: a range needs numbers low and high")
        return self.low, self.high

    def grid(self) -> list[Any]:
        """The values a grid search tries."""
        if self.kind == "choice":
            return list(self.choices)
        low, high = self.bounds()
        if self.kind == "int":
            return list(range(int(low), int(high) + 1, int(self.step or 1)))
        if not self.step:
            raise WorkbenchError(
                f"sweep: {self.path}: a grid needs choices or a step for a real-valued range",
                'add "step" or list "choices"',
            )
        n = int(math.floor((high - low) / self.step + 1e-9)) + 1
        return [round(low + i * self.step, 12) for i in range(n)]

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "choice":
            return {"choices": self.choices}
        out: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.step:
            out["step"] = self.step
        if self.log:
            out["log"] = True
        if self.kind == "float" and all(float(v).is_integer() for v in self.bounds()):
            out["type"] = "float"
        return out


@dataclass
class SweepSpec:
    """A whole sweep; ``problems`` are checked against the project it varies."""

    params: list[SweepParam]
    name: str = "sweep"
    objective: str = "val_loss"
    direction: str = "minimize"
    sampler: str = "tpe"
    trials: int = 8
    jobs: int = 1
    seed: int = 0
    pruner: str = "median"  # "median" | "none"
    startup_trials: int = 2
    warmup_epochs: int = 0

    def grid_size(self) -> int:
        size = 1
        for param in self.params:
            size *= len(param.grid())
        return size

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "objective": self.objective,
            "direction": self.direction,
            "sampler": self.sampler,
            "trials": self.trials,
            "jobs": self.jobs,
            "seed": self.seed,
            "pruner": {
                "kind": self.pruner,
                "startup_trials": self.startup_trials,
                "warmup_epochs": self.warmup_epochs,
            },
            "params": {p.path: p.to_dict() for p in self.params},
        }


def sweep_file_for(project_file: str | Path) -> Path:
    path = Path(project_file)
    return path.with_name(f"{path.stem}.sweep.json")


def load_sweep(path: str | Path) -> SweepSpec:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkbenchError(
            f"{path}: no sweep file", "write one (see README › Sweeps) or pass --sweep FILE"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkbenchError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise SpecError([f"not valid JSON at line {exc.lineno}: {exc.msg}"], str(path)) from None
    return sweep_from_dict(data, str(path))


def sweep_from_dict(data: Any, source: str = "sweep") -> SweepSpec:
    """Parse and check the shape of a sweep (every problem at once, as ``SpecError``)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise SpecError(["the sweep must be a JSON object"], source)
    params = []
    raw = data.get("params")
    if not isinstance(raw, dict) or not raw:
        problems.append('params: list the settings to vary, e.g. {"train.optimizer.lr": {…}}')
        raw = {}
    for path, rule in raw.items():
        param = _param(path, rule, problems)
        if param is not None:
            params.append(param)
    pruner = data.get("pruner", {})
    if isinstance(pruner, str):
        pruner = {"kind": pruner}
    sweep = SweepSpec(params=params)
    for key, kind in (("name", str), ("objective", str), ("direction", str), ("sampler", str)):
        if key in data:
            if isinstance(data[key], kind) and data[key]:
                setattr(sweep, key, data[key])
            else:
                problems.append(f"{key}: expected text (got {data[key]!r})")
    for key, low in (("trials", 1), ("jobs", 1), ("seed", 0)):
        if key in data:
            if _is_int(data[key]) and data[key] >= low:
                setattr(sweep, key, data[key])
            else:
                problems.append(f"{key}: expected a whole number ≥ {low} (got {data[key]!r})")
    if isinstance(pruner, dict):
        sweep.pruner = str(pruner.get("kind", "median"))
        sweep.startup_trials = int(pruner.get("startup_trials", sweep.startup_trials))
        sweep.warmup_epochs = int(pruner.get("warmup_epochs", sweep.warmup_epochs))
    if sweep.sampler not in SAMPLERS:
        problems.append(f"sampler: one of {', '.join(SAMPLERS)} (got {sweep.sampler!r})")
    if sweep.direction not in DIRECTIONS:
        problems.append(f"direction: minimize or maximize (got {sweep.direction!r})")
    if sweep.pruner not in ("median", "none"):
        problems.append(f"pruner.kind: median or none (got {sweep.pruner!r})")
    if not re.fullmatch(r"[A-Za-z0-9._-]+", sweep.name):
        problems.append(f"name: letters, digits, . _ - only (got {sweep.name!r})")
    if problems:
        raise SpecError(problems, source)
    return sweep


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _param(path: str, rule: Any, problems: list[str]) -> SweepParam | None:
    where = f"params.{path}"
    if not isinstance(rule, dict):
        problems.append(f"{where}: expected {{low, high}} or {{choices}} (got {rule!r})")
        return None
    if "choices" in rule:
        choices = rule["choices"]
        if not isinstance(choices, list) or not choices:
            problems.append(f"{where}.choices: expected a non-empty list")
            return None
        return SweepParam(path, "choice", choices=choices)
    low, high = rule.get("low"), rule.get("high")
    if not (_is_number(low) and _is_number(high)):
        problems.append(f"{where}: needs numbers low and high, or choices")
        return None
    if low > high:
        problems.append(f"{where}: low ({low}) is above high ({high})")
        return None
    log = bool(rule.get("log", False))
    if log and low <= 0:
        problems.append(f"{where}: a log scale needs low > 0 (got {low})")
        return None
    step = rule.get("step")
    kind = rule.get("type") or ("int" if _is_int(low) and _is_int(high) else "float")
    if kind not in ("int", "float"):
        problems.append(f"{where}.type: int or float (got {kind!r})")
        return None
    if step is not None and (not isinstance(step, int | float) or step <= 0):
        problems.append(f"{where}.step: must be a positive number (got {step!r})")
        return None
    if log and step not in (None, 1):
        problems.append(f"{where}: a log scale cannot have a step")
        return None
    return SweepParam(path, kind, low, high, step, log)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


# ---- applying values to a project -------------------------------------------------------------
def apply_values(spec: ProjectSpec, values: dict[str, Any], source: str = "sweep") -> ProjectSpec:
    """The project with each ``path → value`` set; a layer given another ``type`` keeps the
    fields the new type has. Raises ``SpecError`` when a path or value does not fit."""
    from workbench.core.spec.layers import LAYER_TYPES

    data = spec.to_dict()
    problems = []
    for path, value in values.items():
        try:
            parent, last = _locate(data, path)
        except (KeyError, IndexError, TypeError, ValueError):
            problems.append(f"{path}: no such setting in the project")
            continue
        parent[last] = value
        if last == "type" and value in LAYER_TYPES:
            layer_fields = fields(LAYER_TYPES[value])  # type: ignore[arg-type]
            allowed = {f.name for f in layer_fields} | {"type"}
            for key in [k for k in parent if k not in allowed]:
                del parent[key]
    if problems:
        raise SpecError(problems, source)
    return ProjectSpec.from_dict(data, source=source)


def check_against(sweep: SweepSpec, spec: ProjectSpec, source: str = "sweep") -> None:
    """Every path exists, and the extremes of every range give a valid project."""
    for param in sweep.params:
        values = param.choices if param.kind == "choice" else list(param.bounds())
        for value in values:
            if param.kind == "int":
                value = int(value)
            apply_values(spec, {param.path: value}, source)


def _locate(data: Any, path: str) -> tuple[Any, Any]:
    steps: list[Any] = []
    for part in path.split("."):
        match = _PART.fullmatch(part)
        if match is None:
            raise ValueError(path)
        steps.append(match.group(1))
        if match.group(2) is not None:
            steps.append(int(match.group(2)))
    node = data
    for step in steps[:-1]:
        node = node[step]
    last = steps[-1]
    if isinstance(last, int):
        node[last]  # noqa: B018 - IndexError when the list is shorter
    elif last not in node:
        raise KeyError(last)
    return node, last
