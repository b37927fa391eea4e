"""``Probe``: a training callback that publishes inspection snapshots of a few probe sequences.

Throttling keeps training fast: a snapshot is taken at most ``max_per_s`` times a second, and
only while the probe's total time stays within ``budget`` (the share of the wall time since
training began that the probe may use; the next view is expected to cost what the last one of
its kind did). So the overhead stays near ``budget`` however slow the model or small the batch.
Gradient flow (a backward pass through an unrolled copy of the layers) and the prediction views
(confusion matrix, forecasts, a sampled text) run at epoch ends, under the same budget rule
(the first time as soon as the probe is within budget). Everything counts, warm-up included:
after an expensive view the probe pauses until training has paid for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from workbench.core.inspection.events import GradFlow, ProbeSnapshot
from workbench.core.inspection.gradflow import LossFn, gradient_flow, per_step_targets, task_loss
from workbench.core.inspection.predictions import prediction_view
from workbench.core.inspection.snapshot import make_snapshot
from workbench.core.spec.task import Task


def probe_batch(
    split: Any, n: int = 4, seq_len: int = 100, indices: list[int] | None = None
) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """``n`` sequences of a ``SequenceSplit`` as ``(x, y, lengths)`` (CPU tensors).

    ``indices`` picks the sequences (default: the first ``n``).
    A language-model token stream gives ``n`` consecutive chunks of ``seq_len`` tokens and
    their next-token targets. Padding beyond the longest probe sequence is trimmed.
    """
    x = split.x
    if x.dim() == 1:  # token stream
        need = min(n * seq_len + 1, x.shape[0])
        count = max(1, (need - 1) // seq_len)
        size = min(seq_len, need - 1)
        xs = x[: count * size].reshape(count, size).long()  # ids are stored compact
        ys = x[1 : count * size + 1].reshape(count, size).long()
        return xs, ys, None
    pick = torch.as_tensor(indices if indices is not None else range(min(n, x.shape[0])))
    x = x[pick]
    y = None if split.y is None else split.y[pick]
    lengths = None if split.lengths is None else split.lengths[pick]
    if y is not None and y.dim() == 2 and not y.is_floating_point():  # tags: hide unmasked steps
        mask = None if getattr(split, "mask", None) is None else split.mask[pick]
        y = per_step_targets(y, mask, lengths)
    if lengths is not None:
        longest = int(lengths.max())
        x = x[:, :longest]
        if y is not None and y.dim() == 2 and not y.is_floating_point():
            y = y[:, :longest]
        if bool((lengths == longest).all()):
            lengths = None
    return x, y, lengths


class Probe:
    """Inspection snapshots during training. Use as a trainer callback or call ``snapshot`` directly.

    ``publish(snapshot)`` receives each ``ProbeSnapshot`` (defaults to ``trainer.events.publish``);
    the latest one is also kept in ``self.latest``. ``loss_fn(output, y)`` is the task's loss
    (defaults to the trainer's, else the task's default loss).
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor | None = None,
        lengths: torch.Tensor | None = None,
        *,
        task: str = Task.CLASSIFICATION.value,
        loss_fn: LossFn | None = None,
        publish: Callable[[ProbeSnapshot], None] | None = None,
        max_per_s: float = 5.0,
        budget: float = 0.02,
        every_n_steps: int = 1,
        grad_flow: bool = True,
        data: Any = None,
        temperature: float = 0.8,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.x, self.y, self.lengths = x, y, lengths
        self.task = task
        self.loss_fn = loss_fn
        self.publish = publish
        self.max_per_s = max_per_s
        self.budget = budget
        self.every_n_steps = max(1, every_n_steps)
        self.want_grad_flow = grad_flow and y is not None
        self.clock = clock
        #: PreparedData for the prediction views (epoch ends); None: no predictions
        self.data = data
        #: Sampling temperature of the language-model view; the GUI may set it at any time.
        self.temperature = temperature
        self.prediction_limit = 512  # validation sequences in the live prediction views
        self.seed = 0
        self.tokens: list[list[str]] | None = None  # filled by from_data for token inputs
        self.latest: ProbeSnapshot | None = None
        self.last_grad_flow: GradFlow | None = None
        self.count = 0
        self.cost_s = 0.0  # time spent in views (held within the budget)
        self._next_at = float("-inf")
        self._t0: float | None = None  # first hook call: the budget counts from here
        self._snap_cost = 0.0  # last cost of each kind of view: the next one is expected to match
        self._grad_cost: float | None = None  # unknown until the first one: see _grad_expected
        self._device_x: torch.Tensor | None = None
        self._device_y: torch.Tensor | None = None
        self._step, self._epoch = 0, 0  # last seen in on_step_end

    @classmethod
    def from_data(
        cls,
        data: Any,
        n: int = 4,
        split: str = "val",
        seq_len: int = 100,
        indices: list[int] | None = None,
        **kwargs: Any,
    ) -> Probe:
        """A probe on ``n`` sequences (or ``indices``) of ``data``'s ``split`` (train when empty)."""
        part = data.split(split)
        if len(part) == 0:
            part = data.train
        x, y, lengths = probe_batch(part, n, seq_len, indices)
        kwargs.setdefault("task", data.task)
        kwargs.setdefault("data", data)
        probe = cls(x, y, lengths, **kwargs)
        vocab = getattr(data, "vocab", None)
        if vocab is not None and not x.is_floating_point():
            probe.tokens = [
                [vocab[int(i)] if 0 <= int(i) < len(vocab) else "<unk>" for i in row] for row in x
            ]
        return probe

    @classmethod
    def attach(cls, trainer: Any, n: int = 4, split: str = "val", **kwargs: Any) -> Probe:
        """Prepare ``trainer`` (loads its data), build a probe on its data and add it as a callback."""
        trainer.prepare()
        kwargs.setdefault("loss_fn", getattr(trainer, "loss_fn", None))
        seq_len = getattr(getattr(trainer.spec, "data", None), "seq_len", 100)
        probe = cls.from_data(trainer.data, n=n, split=split, seq_len=seq_len, **kwargs)
        trainer.add_callback(probe)
        return probe

    # ---- direct use ----------------------------------------------------------------------
    def _on_device(self, model: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor | None]:
        param = next(model.parameters())
        if self._device_x is None or self._device_x.device != param.device:
            x = self.x.to(param.device)
            self._device_x = x.to(param.dtype) if x.is_floating_point() else x
            if self.y is not None:
                y = self.y.to(param.device)
                self._device_y = y.to(param.dtype) if y.is_floating_point() else y
        return self._device_x, self._device_y

    def snapshot(
        self, model: torch.nn.Module, step: int = 0, epoch: int = 0, with_grad_flow: bool = False
    ) -> ProbeSnapshot:
        """All views now (gradient flow too when asked and targets are known)."""
        start = self.clock()
        x, y = self._on_device(model)
        flow = None
        if with_grad_flow and self.y is not None:
            loss_fn = self.loss_fn or task_loss(self.task)
            flow = gradient_flow(model, x, y, loss_fn, self.lengths)
            self.last_grad_flow = flow
        snap = make_snapshot(model, x, self.lengths, step=step, epoch=epoch, grad_flow=flow)
        snap.tokens = self.tokens
        if with_grad_flow and self.data is not None:
            self.seed += 1  # a fresh sample each time, reproducible per run
            snap.predictions = prediction_view(
                model,
                self.data,
                limit=self.prediction_limit,
                temperature=self.temperature,
                seed=self.seed,
            )
        snap.elapsed_s = self.clock() - start
        self.count += 1
        self.latest = snap
        return snap

    # ---- callback hooks ------------------------------------------------------------------
    def on_train_begin(self, trainer: Any) -> None:
        if self.loss_fn is None:  # the trainer's own loss (TaskLogic.loss), same targets layout
            loss = getattr(trainer, "loss_fn", None) or getattr(
                getattr(trainer, "task", None), "loss", None
            )
            if callable(loss):
                self.loss_fn = loss
        self._device_x = None  # the trainer may have moved the model

    def on_step_end(self, trainer: Any, info: Any) -> None:
        step = int(getattr(info, "step", 0))
        self._step, self._epoch = step, int(getattr(info, "epoch", 0))
        if step % self.every_n_steps:
            return
        now = self.clock()
        if self._t0 is None:
            self._t0 = now
        if now < self._next_at or not self._affordable(now, self._snap_cost):
            return
        self._emit(trainer, step, self._epoch, with_grad_flow=False)

    def on_epoch_end(self, trainer: Any, metrics: dict[str, float] | None = None) -> None:
        now = self.clock()
        if self._t0 is None:
            self._t0 = now
        grad = self.want_grad_flow and self._affordable(now, self._grad_expected())
        if not grad and (now < self._next_at or not self._affordable(now, self._snap_cost)):
            return
        self._emit(trainer, self._step, self._epoch, with_grad_flow=grad)

    def on_train_end(self, trainer: Any, result: Any = None) -> None:
        """A last full snapshot (gradient flow, predictions) of the trained model: free for training."""
        self._emit(trainer, self._step, self._epoch, with_grad_flow=self.want_grad_flow)

    def _grad_expected(self) -> float:
        # Before the first one, guess: a backward pass through an unrolled copy plus the
        # prediction views cost about ten snapshots.
        return self._grad_cost if self._grad_cost is not None else 10.0 * self._snap_cost

    def _affordable(self, now: float, expected: float) -> bool:
        """Would a view costing ``expected`` keep the probe's total time within the budget?"""
        started = now if self._t0 is None else self._t0
        return self.cost_s + expected <= self.budget * (now - started)

    def _emit(self, trainer: Any, step: int, epoch: int, with_grad_flow: bool) -> None:
        snap = self.snapshot(_model_of(trainer), step, epoch, with_grad_flow)
        self.cost_s += snap.elapsed_s
        if with_grad_flow:
            self._grad_cost = snap.elapsed_s
        else:
            self._snap_cost = snap.elapsed_s
        self._next_at = self.clock() + 1.0 / self.max_per_s
        publish = self.publish
        if publish is None:
            events = getattr(trainer, "events", None)
            publish = getattr(events, "publish", None)
        if publish is not None:
            publish(snap)


def _model_of(trainer: Any) -> torch.nn.Module:
    return trainer if isinstance(trainer, torch.nn.Module) else trainer.model
