"""Evaluating a model on a split: no gradients, sums kept on the device, one sync at the end."""

from __future__ import annotations

from typing import Any

import torch

from workbench.core.training.setup import to_device
from workbench.core.training.tasks import TaskLogic

#: Sequences per evaluation batch at least (no gradients: bigger batches are cheaper per sample).
EVAL_BATCH = 256


@torch.inference_mode()  # type: ignore[untyped-decorator]  # torch is not analysed
def evaluate_split(
    model: torch.nn.Module,
    task: TaskLogic,
    split: Any,
    prefix: str,
    batch_size: int,
    device: torch.device,
    seq_len: int | None = None,
) -> dict[str, float]:
    """Metrics named ``<prefix>_…``; ``seq_len`` set means a language-model token stream, read
    in the training layout with the hidden state carried from chunk to chunk."""
    from workbench.core.data.batching import iterate_batches, lm_batches

    if len(split) == 0:
        return {}
    was_training = model.training
    model.eval()
    sums = task.new_sums(device)
    try:
        if seq_len is not None:
            state = None
            for x, y in lm_batches(split.x, batch_size, seq_len):
                x, y, _, _ = to_device((x, y, None, None), device)
                out, state = model(x, None, state)
                task.add(sums, out, y)
        else:
            for batch in iterate_batches(split, max(batch_size, EVAL_BATCH), shuffle=False):
                x, y, lengths, _ = to_device(batch, device)
                out, _ = model(x, lengths)
                task.add(sums, out, y)
    finally:
        model.train(was_training)
    return task.finish(sums, prefix)
