"""A checkpoint is untrusted input: check everything in it before the run uses any of it.

A resume used to trust ``last.safetensors``: a damaged or edited file crashed with a traceback
deep in torch, or — worse — was taken as it was (a negative epoch, an epoch "done" with no
batches that then logged ``train_loss 0.0``, a NaN weight, attributes of the schedule set from
the file). ``check_checkpoint`` compares the file's JSON state and tensors with the run that is
about to continue (keys, shapes, dtypes, finite values, positions, optimizer layout) and
raises one ``TrainingError`` naming the file and the first thing wrong.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, TypeGuard

import torch

from workbench.core.errors import TrainingError

HINT = "the file was not used; resume from a good copy of the run folder, or train again"


class Bad(ValueError):
    """What is wrong with the checkpoint (turned into a ``TrainingError`` naming the file)."""


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> TypeGuard[float]:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _int(where: dict[str, Any], key: str, label: str, low: int = 0) -> int:
    value = where.get(key)
    if not _is_int(value) or value < low:
        raise Bad(f"{label} must be a whole number ≥ {low} (found {value!r})")
    return value


def _num(where: dict[str, Any], key: str, label: str, low: float | None = None) -> float:
    value = where.get(key)
    if not _is_num(value) or (low is not None and value < low):
        bound = f" ≥ {low:g}" if low is not None else ""
        raise Bad(f"{label} must be a finite number{bound} (found {value!r})")
    return float(value)


def _dict(value: Any, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Bad(f"{label} must be an object (found {type(value).__name__})")
    return value


def check_position(meta: dict[str, Any], steps_per_epoch: int) -> None:
    """The loop's position and running sums: whole, in range and consistent."""
    pos = _dict(meta.get("position"), "position")
    epoch = _int(pos, "epoch", "position.epoch")
    batch = _int(pos, "batch", "position.batch")
    step = _int(pos, "step", "position.step")
    if batch > steps_per_epoch:
        raise Bad(
            f"position.batch {batch} is past the end of an epoch ({steps_per_epoch} batches); "
            "the data changed since the checkpoint, or the file was edited"
        )
    if step < batch or step > epoch * steps_per_epoch + batch:
        raise Bad(f"position.step {step} does not fit epoch {epoch}, batch {batch}")
    if _is_int(meta.get("epoch")) and meta["epoch"] != epoch:
        raise Bad(f"epoch {meta['epoch']} and position.epoch {epoch} disagree")
    _num(pos, "loss_sum", "position.loss_sum")
    weight = _num(pos, "loss_weight", "position.loss_weight", 0.0)
    if batch > 0 and weight <= 0:
        raise Bad(f"{batch} batches done in the epoch but no loss recorded for them")
    _num(pos, "train_time", "position.train_time", 0.0)
    _int(pos, "total_samples", "position.total_samples")
    metrics = _dict(pos.get("last_metrics", {}), "position.last_metrics")
    for key, value in metrics.items():
        if not (value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))):
            raise Bad(f"position.last_metrics.{key} is not a number ({value!r})")


def check_schedule_and_monitor(meta: dict[str, Any]) -> None:
    sched = _dict(meta.get("schedule", {}), "schedule")
    allowed = {"lr", "scale", "plateau_factor", "plateau_best", "plateau_bad_epochs", "total_steps"}
    extra = set(sched) - allowed
    if extra:  # the schedule is restored by attribute: nothing else may be set from the file
        raise Bad(f"schedule has unknown entries: {', '.join(sorted(extra))}")
    for key in ("lr", "scale", "plateau_factor"):
        if key in sched and _num(sched, key, f"schedule.{key}", 0.0) <= 0:
            raise Bad(f"schedule.{key} must be above 0")
    if sched.get("plateau_best") is not None:
        _num(sched, "plateau_best", "schedule.plateau_best")
    for key in ("plateau_bad_epochs", "total_steps"):
        if key in sched:
            _int(sched, key, f"schedule.{key}")
    monitor = _dict(meta.get("monitor", {}), "monitor")
    if monitor.get("best") is not None:
        _num(monitor, "best", "monitor.best")
    for key in ("best_epoch", "bad_epochs"):
        if key in monitor:
            _int(monitor, key, f"monitor.{key}")


def _check_tensor(name: str, tensor: torch.Tensor, like: torch.Tensor | None) -> None:
    if like is not None:
        if tensor.dtype != like.dtype:
            raise Bad(f"{name} has dtype {tensor.dtype}, the run needs {like.dtype}")
        if tuple(tensor.shape) != tuple(like.shape):
            raise Bad(f"{name} has shape {tuple(tensor.shape)}, the run needs {tuple(like.shape)}")
    if (tensor.is_floating_point() or tensor.is_complex()) and not bool(
        torch.isfinite(tensor).all()
    ):
        raise Bad(f"{name} holds NaN or infinite values")


def check_model(tensors: dict[str, torch.Tensor], model: torch.nn.Module) -> None:
    expected = model.state_dict()
    got = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"lacks {', '.join(missing[:3])}" + (" …" if len(missing) > 3 else ""))
        if extra:
            parts.append(f"has unknown {', '.join(extra[:3])}" + (" …" if len(extra) > 3 else ""))
        raise Bad(f"the weights do not match the run's model: {'; '.join(parts)}")
    for key, tensor in got.items():
        _check_tensor(f"model.{key}", tensor, expected[key])


def check_optimizer(
    tensors: dict[str, torch.Tensor], meta: dict[str, Any], optimizer: torch.optim.Optimizer
) -> None:
    saved = _dict(meta.get("optimizer"), "optimizer")
    groups = saved.get("param_groups")
    current = optimizer.state_dict()["param_groups"]
    if not isinstance(groups, list) or len(groups) != len(current):
        raise Bad("optimizer.param_groups does not match the run's optimizer")
    for i, (group, mine) in enumerate(zip(groups, current)):
        group = _dict(group, f"optimizer.param_groups[{i}]")
        if group.get("params") != mine["params"] or set(group) != set(mine):
            raise Bad(f"optimizer.param_groups[{i}] does not match the run's optimizer")
        for key, value in group.items():
            if key != "params" and isinstance(value, float) and not math.isfinite(value):
                raise Bad(f"optimizer.param_groups[{i}].{key} is {value}")
        _num(group, "lr", f"optimizer.param_groups[{i}].lr", 0.0)
    params = [p for g in optimizer.param_groups for p in g["params"]]
    for name, tensor in tensors.items():
        if not name.startswith("optim."):
            continue
        parts = name.split(".", 2)
        if len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) >= len(params):
            raise Bad(f"{name} names no parameter of the model")
        like = params[int(parts[1])]
        _check_tensor(name, tensor, None)
        if tensor.numel() != 1 and tuple(tensor.shape) != tuple(like.shape):
            raise Bad(f"{name} has shape {tuple(tensor.shape)}, its parameter {tuple(like.shape)}")
    rest = _dict(saved.get("state", {}), "optimizer.state")
    for pid, values in rest.items():
        if not pid.isdigit() or int(pid) >= len(params):
            raise Bad(f"optimizer.state.{pid} names no parameter of the model")
        for key, value in _dict(values, f"optimizer.state.{pid}").items():
            if not (value is None or isinstance(value, (bool, str)) or _is_num(value)):
                raise Bad(f"optimizer.state.{pid}.{key} is not a plain value ({value!r})")


def check_rng_and_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    if "rng.torch" not in tensors:
        raise Bad("the random-number state (rng.torch) is missing")
    _check_tensor("rng.torch", tensors["rng.torch"], torch.get_rng_state())
    if "rng.data" in tensors:
        _check_tensor("rng.data", tensors["rng.data"], torch.Generator().get_state())
    layout = meta.get("lm_state")
    if layout is None:
        return
    if not isinstance(layout, list) or not all(
        entry is None or (_is_int(entry) and 0 <= entry <= 8) for entry in layout
    ):
        raise Bad("lm_state must be a list of small whole numbers or nulls")
    for i, entry in enumerate(layout):
        names = [] if entry is None else [f"state.{i}"] if entry == 0 else []
        names += [f"state.{i}.{j}" for j in range(entry or 0)]
        for name in names:
            if name not in tensors:
                raise Bad(f"{name} (carried hidden state) is missing")
            if not tensors[name].is_floating_point() or tensors[name].dim() != 3:
                raise Bad(f"{name} is not a hidden state (layers × batch × units)")
            _check_tensor(name, tensors[name], None)


def check_checkpoint(
    path: Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any], trainer: Any
) -> None:
    """Raise a ``TrainingError`` naming ``path`` unless the checkpoint fits ``trainer``'s run."""
    try:
        check_position(meta, trainer.steps_per_epoch)
        check_schedule_and_monitor(meta)
        check_model(tensors, trainer.model)
        check_optimizer(tensors, meta, trainer.optimizer)
        check_rng_and_state(tensors, meta)
    except Bad as exc:
        raise TrainingError(f"{path}: unusable checkpoint: {exc}", HINT) from None
