"""What each task optimizes and reports: the loss of a batch and the evaluation metrics.

Padded steps never count: sequence heads pool only valid steps (the model does that with
``lengths``), per-step targets outside the mask carry ``IGNORE`` and drop out of the loss and
every metric. Evaluation sums on the device and syncs once per split.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from workbench.core.errors import TrainingError
from workbench.core.spec.task import CLASS_TASKS, LABEL_TASKS, PER_STEP_TASKS, Task
from workbench.core.training.baselines import skill, split_baselines

IGNORE = -100  # cross_entropy's ignore_index: per-step targets that do not count
LN2 = math.log(2.0)


def resolve_loss(task: str, loss: str) -> str:
    """The loss a task trains with (``auto`` picks), or a ``TrainingError`` when it cannot."""
    classes = task in CLASS_TASKS
    if loss == "auto":
        return "cross_entropy" if classes else "mse"
    if classes and loss != "cross_entropy":
        raise TrainingError(
            f"loss {loss!r} does not fit task {task!r}",
            "use cross_entropy (or auto) for classes, tags and language models",
        )
    if not classes and loss == "cross_entropy":
        raise TrainingError(
            f"loss 'cross_entropy' does not fit task {task!r}", "use mse, mae (or auto) for numbers"
        )
    return loss


def per_step_targets(
    y: torch.Tensor, mask: torch.Tensor | None, lengths: torch.Tensor | None
) -> torch.Tensor:
    """Tag targets with every padded / unmasked step set to ``IGNORE`` (done once per split)."""
    if mask is None and lengths is not None:
        mask = torch.arange(y.shape[1])[None, :] < lengths[:, None]
    if mask is None:
        return y
    return y.masked_fill(~mask.to(torch.bool), IGNORE)


class TaskLogic:
    """Loss and metrics of one task. ``data`` is the PreparedData (for original units)."""

    def __init__(self, task: str, loss: str, data: Any = None) -> None:
        self.task = task
        self.loss_name = resolve_loss(task, loss)
        self.data = data
        self.classes = self.loss_name == "cross_entropy"
        self.per_step = task in PER_STEP_TASKS
        self._baselines: dict[str, dict[str, float]] = {}

    # ---- training -------------------------------------------------------------------------
    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean loss of a batch over the targets that count."""
        if self.task == Task.TAGGING:
            flat_y = y.reshape(-1)
            total = F.cross_entropy(
                out.reshape(-1, out.shape[-1]), flat_y, ignore_index=IGNORE, reduction="sum"
            )
            # A batch whose steps are all padding gives 0, not 0/0.
            return total / (flat_y != IGNORE).sum().clamp(min=1)
        if self.task == Task.LANGUAGE_MODEL:
            return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        if self.classes:
            return F.cross_entropy(out, y)
        if self.loss_name == "mae":
            return F.l1_loss(out, y)
        return F.mse_loss(out, y)

    # ---- evaluation -----------------------------------------------------------------------
    def new_sums(self, device: torch.device) -> dict[str, Any]:
        zero = torch.zeros((), dtype=torch.float64, device=device)
        sums: dict[str, Any] = {"loss": zero.clone(), "count": zero.clone()}
        if self.classes and self.task != Task.LANGUAGE_MODEL:
            sums["correct"] = zero.clone()
        if not self.classes:
            sums["pred"], sums["true"] = [], []
        return sums

    def add(self, sums: dict[str, Any], out: torch.Tensor, y: torch.Tensor) -> None:
        """Accumulate one evaluation batch (no sync)."""
        if self.per_step:
            logits, flat_y = out.reshape(-1, out.shape[-1]), y.reshape(-1)
            sums["loss"] += F.cross_entropy(logits, flat_y, ignore_index=IGNORE, reduction="sum")
            valid = flat_y != IGNORE
            sums["count"] += valid.sum()
            if "correct" in sums:
                sums["correct"] += ((logits.argmax(-1) == flat_y) & valid).sum()
        elif self.classes:
            sums["loss"] += F.cross_entropy(out, y, reduction="sum")
            sums["count"] += y.shape[0]
            sums["correct"] += (out.argmax(-1) == y).sum()
        else:
            fn = F.l1_loss if self.loss_name == "mae" else F.mse_loss
            sums["loss"] += fn(out, y, reduction="sum")
            sums["count"] += y.numel()
            sums["pred"].append(out.detach())
            sums["true"].append(y.detach())

    def finish(self, sums: dict[str, Any], prefix: str) -> dict[str, float]:
        """Metrics named ``<prefix>_loss``, ``<prefix>_accuracy``, ``<prefix>_rmse`` …"""
        count = float(sums["count"])
        if count == 0:
            return {}
        loss = float(sums["loss"]) / count
        metrics = {f"{prefix}_loss": loss}
        if "correct" in sums:
            metrics[f"{prefix}_accuracy"] = float(sums["correct"]) / count
        if self.task == Task.LANGUAGE_MODEL:
            metrics.update(lm_metrics(loss, prefix))
        if not self.classes and sums["pred"]:
            pred = torch.cat(sums["pred"]).float().cpu().numpy()
            true = torch.cat(sums["true"]).float().cpu().numpy()
            if self.data is not None:
                # Original units: scaling undone and target transforms inverted, so the figures
                # compare with the baselines and with the user's own numbers.
                pred = self.data.targets_to_original_units(pred, prefix)
                true = self.data.targets_to_original_units(true, prefix)
            err = pred - true
            metrics[f"{prefix}_rmse"] = float(np.sqrt(np.mean(err**2)))
            metrics[f"{prefix}_mae"] = float(np.mean(np.abs(err)))
        if self.data is not None and prefix in ("val", "test"):
            metrics.update(self.baselines(prefix))
            metrics.update(skill(metrics, prefix))
        return metrics

    def baselines(self, split: str) -> dict[str, float]:
        """The obvious guess's metrics on ``split`` (computed once per split)."""
        if split not in self._baselines:
            self._baselines[split] = split_baselines(self.data, split)
        return self._baselines[split]


def lm_metrics(loss: float, prefix: str) -> dict[str, float]:
    """Perplexity and bits per character (per token for word-level text) from a mean NLL."""
    return {
        f"{prefix}_perplexity": math.exp(min(loss, 700.0)),
        f"{prefix}_bpc": loss / LN2,
    }


def metric_mode(name: str, mode: str = "auto") -> str:
    """``max`` for metrics that grow when better (accuracy, skill), ``min`` for the rest."""
    if mode != "auto":
        return mode
    return "max" if name.endswith(("accuracy", "skill")) else "min"


def available_metrics(task: str, loss: str, has_val: bool) -> list[str]:
    """Epoch metric names a run of this task will report."""
    names = ["train_loss"]
    if task == Task.LANGUAGE_MODEL:
        names += ["train_perplexity", "train_bpc"]
    if not has_val:
        return names
    names.append("val_loss")
    if task in LABEL_TASKS:
        names.append("val_accuracy")
    elif task == Task.LANGUAGE_MODEL:
        names += ["val_perplexity", "val_bpc"]
    else:
        names += ["val_rmse", "val_mae"]
    return names
