"""Getting a run ready: fit the model spec to the data, place splits on the device, pick the
watched metric. Each step says what it changed, for the run log."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from workbench.core.errors import SpecError, TrainingError
from workbench.core.spec.model_fit import DataShape, fit_model_to_data
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.task import Task
from workbench.core.training.callbacks import Monitor
from workbench.core.training.tasks import IGNORE, available_metrics, metric_mode, per_step_targets

#: Splits bigger than this share of the GPU's memory stay on the CPU and move batch by batch.
DEVICE_SHARE = 0.25


def sync_spec_to_data(spec: ProjectSpec, data: Any) -> list[str]:
    """Make the model's input and head match the data (in place); returns what changed."""
    notes = fit_model_to_data(spec.model, DataShape.of(data), head_kind=False)
    spec.data.normalization_stats = data.normalization_stats
    targets = getattr(data, "series_targets", None)
    spec.data.target_transform_state = None if targets is None else targets.state()
    used = getattr(data.summary, "window", None)
    if targets is not None and used and used != spec.data.window:
        notes.append(f"data.window set to {used} to fit the series (was {spec.data.window})")
        spec.data.window = used
    problems = spec.problems()
    if problems:
        raise SpecError(problems, source="project (after fitting the model to the data)")
    return notes


def prepare_split(split: Any, task: str, device: torch.device) -> Any:
    """A split ready for the loop: per-step targets pre-masked once (so the hot loop never
    masks), and on a GPU the tensors moved there once when they fit (lengths stay on the CPU,
    where packing wants them)."""
    if task == Task.TAGGING and split.y is not None:
        mask = split.mask
        if mask is None and split.lengths is not None:
            # The batcher trims per-step targets together with the mask, so keep one.
            mask = torch.arange(split.y.shape[1])[None, :] < split.lengths[:, None]
        split = dataclasses.replace(split, y=per_step_targets(split.y, mask, None), mask=mask)
    if device.type == "cpu" or not _fits(split, device):
        return split

    def move(t: torch.Tensor | None) -> torch.Tensor | None:
        return None if t is None else t.to(device, non_blocking=True)

    return dataclasses.replace(split, x=move(split.x), y=move(split.y), mask=move(split.mask))


def _fits(split: Any, device: torch.device) -> bool:
    size = sum(
        t.numel() * t.element_size() for t in (split.x, split.y, split.mask) if t is not None
    )
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return size < DEVICE_SHARE * free
    return size < 256 * 2**20


def to_device(batch: tuple[Any, ...], device: torch.device) -> tuple[Any, ...]:
    """Move a (x, y, lengths, mask) batch; no-op for tensors already there. Lengths stay put."""
    x, y, lengths, mask = batch
    if x.device != device:
        x = x.to(device, non_blocking=True)
        y = None if y is None else y.to(device, non_blocking=True)
        mask = None if mask is None else mask.to(device, non_blocking=True)
    return x, y, lengths, mask


def build_monitor(spec: ProjectSpec, loss: str, has_val: bool) -> tuple[Monitor, list[str]]:
    """The metric keep-best and early stopping watch; falls back to train_loss without a
    validation split (and says so)."""
    es = spec.train.early_stopping
    known = available_metrics(spec.data.task, loss, has_val)
    notes = []
    metric = es.metric
    if metric not in known:
        if metric.startswith("val_") and not has_val:
            notes.append(f"no validation split: watching train_loss instead of {metric}")
            metric = "train_loss"
        else:
            raise TrainingError(
                f"train.early_stopping.metric: this run does not report {metric!r}",
                f"use one of: {', '.join(known)}",
            )
    mode = metric_mode(metric, es.mode)
    return Monitor(metric, mode, es.patience, es.min_delta), notes


__all__ = ["IGNORE", "build_monitor", "prepare_split", "sync_spec_to_data", "to_device"]
