"""Hooks into the loop (Keras-like callbacks) and the watched-metric monitor.

A callback is any object with some of these methods; the loop calls only the ones it has:

- ``on_train_begin(trainer)`` — model, data, device and optimizer are ready
- ``on_step_end(trainer, info: StepInfo)`` — after each optimizer step (tensors allowed here:
  this runs in-process on the training thread; the loss is not synced to the host)
- ``on_epoch_end(trainer, metrics: dict[str, float])``
- ``on_train_end(trainer, result: RunResult)``

A callback may call ``trainer.control.stop()`` and may publish ``ProbeEvent``s on
``trainer.events``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

HOOKS = ("on_train_begin", "on_step_end", "on_epoch_end", "on_train_end")


class Callback:
    """Optional base class; subclasses override the hooks they need."""

    def on_train_begin(self, trainer: Any) -> None: ...

    def on_step_end(self, trainer: Any, info: StepInfo) -> None: ...

    def on_epoch_end(self, trainer: Any, metrics: dict[str, float]) -> None: ...

    def on_train_end(self, trainer: Any, result: Any) -> None: ...


@dataclass(slots=True)
class StepInfo:
    step: int  # optimizer steps done in the run, counting this one
    epoch: int  # 1-based
    batch_index: int  # 0-based index of the batch within the epoch
    batch: tuple[Any, ...]  # (x, y, lengths, mask) as fed to the model, on the device
    loss: torch.Tensor  # 0-d, detached; ``float(info.loss)`` syncs
    lr: float


class Monitor:
    """Tracks the watched metric for keep-best and early stopping."""

    def __init__(self, metric: str, mode: str, patience: int, min_delta: float) -> None:
        self.metric = metric
        self.mode = mode
        self.patience = patience
        self.min_delta = min_delta
        self.best: float | None = None
        self.best_epoch = 0
        self.bad_epochs = 0

    def update(self, metrics: dict[str, float], epoch: int) -> bool:
        """Record an epoch's metrics; True when the watched metric improved."""
        value = metrics.get(self.metric)
        if value is None or not math.isfinite(value):
            self.bad_epochs += 1
            return False
        if self.best is None:
            improved = True
        elif self.mode == "max":
            improved = value > self.best + self.min_delta
        else:
            improved = value < self.best - self.min_delta
        if improved:
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
        else:
            self.bad_epochs += 1
        return improved

    @property
    def exhausted(self) -> bool:
        return self.bad_epochs >= self.patience

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state.get("best")
        self.best_epoch = int(state.get("best_epoch", 0))
        self.bad_epochs = int(state.get("bad_epochs", 0))
