"""Optimizers, learning-rate schedules and gradient clipping from a ``TrainSpec``.

The schedule is a small pure function of (step, epoch) plus the plateau counter, so its whole
state is a few numbers in the checkpoint's JSON, and a learning rate set by hand mid-run
(``TrainerControl.set_lr``) simply rescales it from that point on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

from workbench.core.errors import TrainingError
from workbench.core.spec.project import ClipSpec, OptimizerSpec, ScheduleSpec


def build_optimizer(spec: OptimizerSpec, params: Iterable[Any]) -> torch.optim.Optimizer:
    """SGD (momentum, Nesterov), Adam, AdamW or RMSprop with the spec's weight decay."""
    params = list(params)
    common = {"lr": spec.lr, "weight_decay": spec.weight_decay}
    if spec.name == "sgd":
        return torch.optim.SGD(params, momentum=spec.momentum, nesterov=spec.nesterov, **common)
    if spec.name == "adam":
        return torch.optim.Adam(params, **common)
    if spec.name == "adamw":
        return torch.optim.AdamW(params, **common)
    if spec.name == "rmsprop":
        return torch.optim.RMSprop(params, momentum=spec.momentum, **common)
    raise TrainingError(f"unknown optimizer {spec.name!r}", "use sgd, adam, adamw or rmsprop")


class LRSchedule:
    """The learning rate per step: ``scale × base(step, epoch)``.

    - ``step``: × gamma every ``step_size`` epochs; ``cosine``: from LR down to ``min_lr`` over
      the run; ``onecycle``: up from LR to ``max_lr`` (default 10 × LR) over the first 30 % of the
      steps, then down to LR / 1000; ``plateau``: × gamma after ``patience`` epochs without
      improvement of the watched metric, never below ``min_lr``.
    - ``scale`` starts at 1 and changes when the user sets an LR by hand.
    """

    def __init__(self, spec: ScheduleSpec, lr: float, total_steps: int) -> None:
        self.spec = spec
        self.lr = lr
        self.total_steps = max(1, total_steps)
        self.scale = 1.0
        self.plateau_factor = 1.0
        self.plateau_best: float | None = None
        self.plateau_bad_epochs = 0
        #: True when the LR changes within an epoch (set on every step), not only between.
        self.per_step = spec.kind in ("cosine", "onecycle")

    def base(self, step: int, epoch: int) -> float:
        """Scheduled LR before the hand-set scale; ``step`` counts finished steps, ``epoch`` from 0."""
        s, lr = self.spec, self.lr
        if s.kind == "step":
            return lr * s.gamma ** (epoch // s.step_size)
        if s.kind == "cosine":
            t = min(step, self.total_steps) / self.total_steps
            return s.min_lr + (lr - s.min_lr) * 0.5 * (1.0 + math.cos(math.pi * t))
        if s.kind == "onecycle":
            peak = s.max_lr if s.max_lr is not None else 10.0 * lr
            warm = max(1, int(0.3 * self.total_steps))
            if step < warm:
                return _cos_between(lr, peak, step / warm)
            rest = max(1, self.total_steps - warm)
            return _cos_between(peak, lr / 1000.0, min(1.0, (step - warm) / rest))
        if s.kind == "plateau":
            return max(s.min_lr, lr * self.plateau_factor)
        return lr

    def at(self, step: int, epoch: int) -> float:
        return self.scale * self.base(step, epoch)

    def set_by_hand(self, lr: float, step: int, epoch: int) -> None:
        """From now on the LR is ``lr``; the schedule keeps shaping it relative to that."""
        base = self.base(step, epoch)
        self.scale = lr / base if base > 0 else 1.0
        if base <= 0:
            self.lr, self.plateau_factor = lr, 1.0

    def epoch_end(self, value: float | None, mode: str = "min") -> bool:
        """Feed the plateau rule the watched metric; True when the LR was lowered."""
        if self.spec.kind != "plateau" or value is None or not math.isfinite(value):
            return False
        better = self.plateau_best is None or (
            value < self.plateau_best if mode == "min" else value > self.plateau_best
        )
        if better:
            self.plateau_best, self.plateau_bad_epochs = value, 0
            return False
        self.plateau_bad_epochs += 1
        if self.plateau_bad_epochs > self.spec.patience:
            self.plateau_factor *= self.spec.gamma
            self.plateau_bad_epochs = 0
            return True
        return False

    def state_dict(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "scale": self.scale,
            "plateau_factor": self.plateau_factor,
            "plateau_best": self.plateau_best,
            "plateau_bad_epochs": self.plateau_bad_epochs,
            "total_steps": self.total_steps,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            if key != "total_steps":
                setattr(self, key, value)


def _cos_between(start: float, end: float, t: float) -> float:
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * t))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


class GradientClipper:
    """Clips by norm or value. ``measure`` decides whether the pre-clip norm is computed when
    clipping is off (it costs a few small kernels per step, so the loop asks every few steps)."""

    def __init__(self, spec: ClipSpec, params: list[nn.Parameter]) -> None:
        self.mode = spec.mode
        self.max_value = spec.max_value
        self.params = [p for p in params if p.requires_grad]

    def __call__(self, measure: bool) -> torch.Tensor | None:
        """Clip in place; returns the pre-clip global gradient norm (a 0-d tensor) or None."""
        if self.mode == "norm":
            # foreach=None: the fused multi-tensor kernels on GPUs, plain loops on the CPU
            # (where foreach is several times slower for a handful of tensors).
            return nn.utils.clip_grad_norm_(self.params, self.max_value)
        norm = grad_norm(self.params) if measure or self.mode == "value" else None
        if self.mode == "value":
            nn.utils.clip_grad_value_(self.params, self.max_value)
        return norm


def grad_norm(params: list[nn.Parameter]) -> torch.Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.zeros(())
    # One norm per tensor, then the norm of those: the cheapest form for the few, big tensors
    # of a recurrent model (measured against get_total_norm with and without foreach).
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
