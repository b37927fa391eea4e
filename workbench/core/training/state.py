"""The loop's position and running sums, and how a checkpoint captures / restores all of it.

Exact resume needs everything that influences the next step: weights, optimizer moments,
the schedule and monitor counters, the global RNG (dropout), the data-order generator as it
was at the start of the epoch plus how many batches of it were done, the language model's
carried hidden state, and the epoch's running loss sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from workbench.core.errors import TrainingError
from workbench.core.models import detach_state
from workbench.core.training import checkpoints as ck


@dataclass
class TrainState:
    epoch: int = 0  # epochs finished (the current one is epoch + 1)
    batch: int = 0  # batches done in the current epoch
    step: int = 0  # optimizer steps done in the run
    loss_sum: float = 0.0  # Σ loss × weight over the current epoch
    loss_weight: float = 0.0
    train_time: float = 0.0  # seconds spent in training steps (no eval, no pauses)
    total_samples: int = 0
    last_metrics: dict[str, float] = field(default_factory=dict)
    data_state: torch.Tensor | None = None  # data-order generator at the start of the epoch
    lm_state: list[Any] | None = None  # hidden state carried across chunks

    def to_meta(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "batch": self.batch,
            "step": self.step,
            "loss_sum": self.loss_sum,
            "loss_weight": self.loss_weight,
            "train_time": self.train_time,
            "total_samples": self.total_samples,
            "last_metrics": self.last_metrics,
        }

    def load_meta(self, meta: dict[str, Any]) -> None:
        for key, value in meta.items():
            if hasattr(self, key):
                setattr(self, key, value)


def full_checkpoint(
    trainer: Any, kind: str = "last"
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Tensors and JSON meta of a resumable checkpoint of ``trainer`` as it is now; ``kind`` is
    "best" for the snapshot of an epoch that improved the watched metric (it is linked as
    best.safetensors), else "last"."""
    st: TrainState = trainer.state
    tensors = {f"model.{k}": v for k, v in trainer.model.state_dict().items()}
    opt_tensors, opt_meta = ck.optimizer_to_flat(trainer.optimizer)
    tensors.update(opt_tensors)
    tensors.update(ck.rng_to_flat(trainer.device, st.data_state))
    state_tensors, layout = ck.state_to_flat(detach_state(st.lm_state))
    tensors.update(state_tensors)
    meta = {
        "kind": kind,
        "epoch": st.epoch,  # so a link of this file as best.safetensors says what it holds
        "metric": trainer.monitor.metric,
        "value": st.last_metrics.get(trainer.monitor.metric),
        "position": st.to_meta(),
        "optimizer": opt_meta,
        "schedule": trainer.schedule.state_dict(),
        "monitor": trainer.monitor.state_dict(),
        "lm_state": layout if st.lm_state is not None else None,
    }
    return tensors, meta


def restore_checkpoint(
    trainer: Any, tensors: dict[str, torch.Tensor], meta: dict[str, Any]
) -> None:
    """Put ``trainer`` back exactly where the checkpoint was taken."""
    model_sd = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    trainer.model.load_state_dict(model_sd)
    ck.optimizer_from_flat(trainer.optimizer, tensors, meta["optimizer"])
    trainer.schedule.load_state_dict(meta.get("schedule", {}))
    trainer.monitor.load_state_dict(meta.get("monitor", {}))
    st: TrainState = trainer.state
    st.load_meta(meta.get("position", {}))
    st.data_state = ck.rng_from_flat(tensors, trainer.device)
    if st.data_state is not None:
        # The data-order generator continues from the saved state, also when the checkpoint
        # was taken at an epoch end (batch 0): ``prepare()`` seeded it afresh, and that fresh
        # state would replay epoch 1's shuffle order.
        trainer.generator.set_state(st.data_state)
    st.lm_state = ck.state_from_flat(tensors, meta.get("lm_state"), trainer.device)


def restore_checked(
    trainer: Any, path: Any, tensors: dict[str, torch.Tensor], meta: dict[str, Any]
) -> None:
    """``restore_checkpoint`` after ``check_checkpoint``: an unusable file is one clear
    ``TrainingError`` naming it, never a traceback from torch or a silently wrong run."""
    from workbench.core.training.checkpoint_checks import HINT, check_checkpoint

    check_checkpoint(path, tensors, meta, trainer)
    try:
        restore_checkpoint(trainer, tensors, meta)
    except (KeyError, ValueError, TypeError, RuntimeError, IndexError) as exc:
        raise TrainingError(f"{path}: unusable checkpoint: {exc}", HINT) from None
