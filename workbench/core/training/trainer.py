"""The training loop: one ``Trainer`` per run, driven the same way by the CLI and the GUI.

``run()`` blocks on the calling thread and publishes plain events; ``control`` is safe to use
from any other thread. The hot loop is a hand-written PyTorch loop plus a few attribute reads:
no per-sample Python, one host sync per step on the CPU (``loss.item()`` is free there) and one
every ``SYNC_EVERY`` steps on a GPU, where per-step syncs would stall the launch queue.

The steps live in ``loop.py``, the multi-process parts in ``parallel.py``; the run folder's
opening / recovery in ``run_folder.py`` and the run's end in ``finish.py``.
"""

from __future__ import annotations

import contextlib
import itertools
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from workbench.core.device import describe_device, resolve_device
from workbench.core.errors import TrainingError, WorkbenchError
from workbench.core.models import build_model
from workbench.core.runlock import RunLock
from workbench.core.runs import MetricsLog, RunDir, data_base_dir
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import atomic_write_bytes
from workbench.core.spec.task import Task
from workbench.core.training import checkpoints as ck
from workbench.core.training.callbacks import HOOKS, Monitor, StepInfo
from workbench.core.training.control import TrainerControl
from workbench.core.training.distributed import STOP_FILE
from workbench.core.training.evaluation import evaluate_split
from workbench.core.training.events import (
    CheckpointEvent,
    EpochEvent,
    ErrorEvent,
    EventBus,
    StatusEvent,
)
from workbench.core.training.finish import finish_run
from workbench.core.training.loop import LoopMixin
from workbench.core.training.optim import GradientClipper, LRSchedule, build_optimizer, set_lr
from workbench.core.training.parallel import NullLog, ParallelMixin
from workbench.core.training.result import RunResult
from workbench.core.training.run_folder import open_run_folder
from workbench.core.training.setup import build_monitor, prepare_split, sync_spec_to_data, to_device
from workbench.core.training.state import TrainState, full_checkpoint
from workbench.core.training.tasks import TaskLogic, lm_metrics
from workbench.core.training.writer import CheckpointWriter

__all__ = ["RunResult", "StepInfo", "Trainer"]


class Trainer(LoopMixin, ParallelMixin):
    """One training run of a ``ProjectSpec``: loads the data, fits the model to it, trains,
    evaluates and checkpoints, publishing events on ``events``.

    Callers start runs through ``core.training.session.start_run`` (which builds this on the
    thread that runs it); tests and benchmarks may drive it directly.

    Args:
        project: the spec to train (copied; the caller's is never modified).
        base_dir: the project's folder (relative data paths start there).
        run_dir: the run's folder (None: a new one in the run store).
        device: overrides ``project.train.device``.

    Example: ``result = Trainer(spec, base_dir).run()``
    """

    #: Seconds between checkpoints inside a long epoch (one is always written per epoch).
    checkpoint_every_s = 600.0
    #: Steps between host syncs on GPUs / MPS (on the CPU every step is synced for free).
    SYNC_EVERY = 25
    #: The CPU syncs every step (free there, and divergence is caught before the step is
    #: taken); False makes the CPU take the GPU's batched path (tests use this).
    sync_cpu_each_step = True
    #: Steps between measurements of the gradient norm when clipping is off (~70 µs each on
    #: a small CPU model; clipping by norm measures it every step anyway).
    GRAD_NORM_EVERY = 25

    def __init__(
        self,
        project: ProjectSpec,
        base_dir: Path | str | None = None,
        run_dir: Path | str | None = None,
        device: str | None = None,
    ) -> None:
        self.spec = project.copy()  # synced to the data in prepare(); the caller's is untouched
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.events = EventBus()
        self.control = TrainerControl()
        self.device = resolve_device(device or self.spec.train.device)
        self.run_dir: Path | None = Path(run_dir) if run_dir is not None else None
        self.model: torch.nn.Module | None = None
        self.step_model: torch.nn.Module | None = None  # ``model``, or its DDP wrapper
        self.data: Any = None
        self.optimizer: torch.optim.Optimizer | None = None
        self.task: TaskLogic | None = None
        self.schedule: LRSchedule | None = None
        self.monitor: Monitor | None = None
        self.state = TrainState()
        self.status = "preparing"
        self.notes: list[str] = []
        self._callbacks: list[Any] = []
        self._resuming = False
        self._prepared = False
        self._log: MetricsLog | NullLog | None = None
        self._rundir: RunDir | None = None
        self._writer = CheckpointWriter()
        self._divergence: tuple[str, str, str] | None = None
        self._missing_epoch = False
        self._lock: RunLock | None = None

    @classmethod
    def resume(
        cls, run_dir: Path | str, device: str | None = None, epochs: int | None = None
    ) -> Trainer:
        """A trainer that continues the run in ``run_dir`` from its last checkpoint."""
        rundir = RunDir.open(Path(run_dir))
        spec = rundir.read_project()
        if epochs is not None:
            spec.train.epochs = epochs
        base = data_base_dir(rundir, spec)
        trainer = cls(spec, base, rundir.path, device)
        trainer._resuming = True
        return trainer

    # ---- public helpers -------------------------------------------------------------------
    def add_callback(self, callback: Any) -> None:
        """Hook an object with some of ``on_train_begin/on_step_end/on_epoch_end/on_train_end``."""
        self._callbacks.append(callback)

    def loss_fn(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The task's loss of model outputs against targets (padded steps excluded)."""
        assert self.task is not None, "prepare() first"
        return self.task.loss(out, y)

    def compute_loss(
        self, batch: tuple[Any, ...], state: Any = None
    ) -> tuple[torch.Tensor, torch.Tensor, Any]:
        """Forward one ``(x, y, lengths, mask)`` batch: ``(loss, output, new_state)``."""
        assert self.task is not None and self.model is not None, "prepare() first"
        x, y, lengths, _ = to_device(tuple(batch) + (None,) * (4 - len(batch)), self.device)
        out, new_state = self.model(x, lengths, state)
        return self.task.loss(out, y), out, new_state

    @property
    def steps_per_epoch(self) -> int:
        return self._steps_per_epoch

    @property
    def planned_steps(self) -> int:
        return self._planned_steps

    # ---- set-up ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """Load the data, fit the model to it, build everything; idempotent."""
        if self._prepared:
            return
        from workbench.core.data import load_data
        from workbench.core.data.batching import n_lm_batches

        self._join_group()  # several processes under a torch launcher, else nothing
        if self._resuming and self.writes_run:  # before anything is read or written
            assert self.run_dir is not None  # a resumed run has its folder
            self._lock = RunLock(self.run_dir)  # one process per run folder
            self._lock.acquire()
        self._set_status("preparing", "loading data")
        spec, tr = self.spec, self.spec.train
        self.data = load_data(spec.data, self.base_dir)
        self.notes += sync_spec_to_data(spec, self.data)
        self.notes += self.data.summary.run_notes()
        self.task = TaskLogic(spec.data.task, tr.loss, self.data)
        self.lm = spec.data.task == Task.LANGUAGE_MODEL
        torch.manual_seed(tr.seed)  # the weights depend on the seed only
        self.model = build_model(spec.model).to(self.device)
        self.optimizer = build_optimizer(tr.optimizer, self.model.parameters())
        self.generator = torch.Generator().manual_seed(tr.seed)
        self.splits = {
            name: prepare_split(self.data.split(name), spec.data.task, self.device)
            for name in ("train", "val", "test")
        }
        self._batch_size = self._rank_batch()
        n_train = self._rank_train_len(len(self.splits["train"]))
        if self.lm:
            self._steps_per_epoch = n_lm_batches(n_train, self._batch_size, spec.data.seq_len)
        else:
            self._steps_per_epoch = -(-n_train // self._batch_size)
        if self._steps_per_epoch == 0:
            raise TrainingError(
                "the training split is empty", "use more data or smaller val/test fractions"
            )
        self._planned_steps = tr.epochs * self._steps_per_epoch
        if tr.max_steps is not None:
            self._planned_steps = min(self._planned_steps, tr.max_steps)
        self.schedule = LRSchedule(tr.schedule, tr.optimizer.lr, self._planned_steps)
        self.clipper = GradientClipper(tr.clip, list(self.model.parameters()))
        self.monitor, notes = build_monitor(spec, self.task.loss_name, len(self.splits["val"]) > 0)
        self.notes += notes
        open_run_folder(self)
        self.step_model = self.model
        if self.ddp is not None:
            self.step_model = self.ddp.wrap(self.model)
            if self.ddp.main:
                assert self._rundir is not None  # open_run_folder set it
                self.ddp.stop_file = self._rundir.path / STOP_FILE
        self._prepared = True

    # ---- running --------------------------------------------------------------------------
    def run(self) -> RunResult:
        """Train until done, stopped, diverged or out of patience; returns the outcome."""
        self._run_t0 = time.perf_counter()
        self._started_at = time.time()
        try:
            self.prepare()
            hooks = {h: [getattr(c, h) for c in self._callbacks if hasattr(c, h)] for h in HOOKS}
            self._hooks = hooks
            for hook in hooks["on_train_begin"]:
                hook(self)
            assert self.model is not None  # prepare() built it
            self.model.train()
            self._set_status("running", f"training on {describe_device(self.device)}")
            outcome, message, hint = self._train()
            result = finish_run(self, outcome, message, hint)
            self._writer.close()
            for hook in hooks["on_train_end"]:
                hook(self, result)
            return result
        except WorkbenchError as exc:
            self._fail(exc.message, exc.hint, "", exc)
            raise
        except KeyboardInterrupt:  # a second Ctrl-C: leave at once, the last checkpoint stays
            self._set_status("stopped", "aborted; the last checkpoint is kept")
            raise
        except BaseException as exc:
            message = f"training failed: {type(exc).__name__}: {exc}"
            self._fail(message, "", traceback.format_exc(), exc)
            raise
        finally:
            self._writer.close_quietly()
            if self._log is not None:
                self._log.close()
            if self._lock is not None:
                self._lock.release()

    def _fail(self, message: str, hint: str, tb: str, exc: BaseException | None = None) -> None:
        if self.ddp is not None:  # the failing process's own error, not a symptom of it
            message = self._parallel_failure(message, exc)
        self.events.publish(ErrorEvent(message, hint, tb))
        with contextlib.suppress(WorkbenchError):  # a full disk cannot take the status either
            self._set_status("failed", message)

    def _batches(self) -> Iterator[tuple[Any, ...]]:
        """This epoch's batches from the current position (skipping those already done)."""
        from workbench.core.data.batching import iterate_batches, lm_batches

        st, tr, split = self.state, self.spec.train, self.splits["train"]
        if st.batch == 0:
            st.data_state = self.generator.get_state()
            if self.lm:
                st.lm_state = None
        else:  # resuming mid-epoch: draw the same order again, then skip what was done
            self.generator.set_state(st.data_state)
        if self.ddp is not None:
            source = self._parallel_source(split)
        elif self.lm:
            source = (
                (x, y, None, None)
                for x, y in lm_batches(split.x, tr.batch_size, self.spec.data.seq_len)
            )
        else:
            source = iterate_batches(split, tr.batch_size, shuffle=True, generator=self.generator)
        if split.x.device != self.device:
            source = (to_device(b, self.device) for b in source)
        return itertools.islice(source, st.batch, None) if st.batch else source

    # ---- evaluation -----------------------------------------------------------------------
    def evaluate(self, name: str) -> dict[str, float]:
        """Metrics of the model on split ``name`` (``val`` / ``test``), prefixed with its name."""
        seq_len = self.spec.data.seq_len if self.lm else None
        return evaluate_split(
            self.model,
            self.task,
            self.splits[name],
            name,
            self.spec.train.batch_size,
            self.device,
            seq_len,
        )

    # ---- epoch end, checkpoints, finish ---------------------------------------------------
    def _end_epoch(self) -> bool:
        """Metrics, schedule, keep-best and checkpoint after an epoch; True to stop early."""
        assert self.monitor is not None and self.schedule is not None  # prepare() built them
        assert self.optimizer is not None and self._log is not None
        st, tr = self.state, self.spec.train
        metrics = {"train_loss": st.loss_sum / max(st.loss_weight, 1e-12)}
        if self.lm:
            metrics.update(lm_metrics(metrics["train_loss"], "train"))
        metrics.update(self._agreed_val())
        st.epoch += 1
        st.batch, st.loss_sum, st.loss_weight = 0, 0.0, 0.0
        st.data_state = self.generator.get_state()
        improved = self.monitor.update(metrics, st.epoch)
        if self.schedule.epoch_end(metrics.get(self.monitor.metric), self.monitor.mode):
            self._note(f"{self.monitor.metric} stopped improving: learning rate lowered")
        if not self.schedule.per_step:
            set_lr(self.optimizer, self.schedule.at(st.step, st.epoch))
        metrics["lr"] = self.optimizer.param_groups[0]["lr"]
        st.last_metrics = metrics
        # The log line goes out before the checkpoint: after a crash between the two, a resume
        # cuts the log back to the checkpoint (recovery.truncate_log) instead of a log that
        # silently lacks an epoch the checkpoint has.
        self._log.write({"type": "epoch", "epoch": st.epoch, "step": st.step, **metrics})
        self._log.flush()  # on disk before anyone hears of the epoch
        # The epoch-end snapshot of an improved epoch becomes best.safetensors (a link): its
        # metadata says "best" so the file tells the truth under either name.
        self._save_last(kind="best" if improved and tr.keep_best else "last")
        if improved and tr.keep_best and self.writes_run:
            # The epoch-end checkpoint *is* the best state: link it rather than write it again.
            assert self._rundir is not None
            best = self._rundir.best_checkpoint
            last = self._rundir.last_checkpoint
            self._writer.submit(ck.link_or_copy, last, best, announce=(str(best), True))
        self._announce_writes()
        self._write_status()
        self.events.publish(EpochEvent(st.epoch, dict(metrics)))
        for hook in self._hooks["on_epoch_end"]:
            hook(self, metrics)
        return tr.early_stopping.enabled and self.monitor.exhausted

    def _save_last(self, kind: str = "last") -> None:
        """Snapshot the resume point now; the writer thread puts the bytes on disk."""
        self._flush_pending()
        assert self._log is not None  # prepare() opened it
        self._log.flush()  # every step the checkpoint covers is logged before it
        if self._divergence:  # never overwrite the last good checkpoint with a bad state
            return
        gathered = self._parallel_checkpoint() if self.ddp is not None else {}
        if not self.writes_run:
            self._last_save = time.perf_counter()
            return
        tensors, meta = full_checkpoint(self, kind)
        tensors.update(gathered)
        meta.update(world_size=self.ddp.world if self.ddp else 1, rank_batch=self._batch_size)
        assert self._rundir is not None
        path = self._rundir.last_checkpoint
        payload = ck.serialize_checkpoint(tensors, meta)
        self._writer.submit(atomic_write_bytes, path, payload, announce=(str(path), False))
        self._last_save = time.perf_counter()

    def _announce_writes(self) -> None:
        """Checkpoint events for the files the writer finished (sent on the training thread)."""
        done = self._writer.done
        while done:
            path, best = done.pop(0)
            self.events.publish(CheckpointEvent(path, best=best))

    # ---- status & notes -------------------------------------------------------------------
    def _set_status(self, status: str, message: str = "") -> None:
        self.status = status
        self.events.publish(StatusEvent(status, message))
        if self._rundir is not None:
            self._write_status(message)
            if self._log is not None:
                self._log.write(
                    {
                        "type": "status",
                        "status": status,
                        "message": message,
                        "step": self.state.step,
                    }
                )

    def _write_status(self, message: str = "") -> None:
        if not self.writes_run or self._rundir is None:
            return
        st = self.state
        self._rundir.write_status(
            self.status,
            message=message,
            epoch=st.epoch,
            step=st.step,
            epochs=self.spec.train.epochs,
            planned_steps=self._planned_steps,
        )

    def _note(self, message: str) -> None:
        self.events.publish(StatusEvent(self.status, message))
        if self._log is not None:
            self._log.write({"type": "note", "step": self.state.step, "message": message})
