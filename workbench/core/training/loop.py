"""The hot loop and what happens between steps (controls, divergence, step records).

Kept apart from ``trainer.py`` (set-up, evaluation, checkpoints) so the per-step path is easy
to read and to keep lean: everything it touches is bound to a local before the loop.
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch

from workbench.core.models import detach_state
from workbench.core.training.callbacks import StepInfo
from workbench.core.training.events import StepEvent
from workbench.core.training.optim import set_lr

NAN = float("nan")
BUDGET = ("budget", "", "")


class LoopMixin:
    """The epoch loop of ``Trainer`` (which supplies the attributes used here)."""

    def _train(self: Any) -> tuple[str, str, str]:
        st, tr = self.state, self.spec.train
        self._pending: list[Any] = []
        #: Set when a batched sync found a non-finite loss: every later path returns it.
        self._divergence: tuple[str, str, str] | None = None
        self._sync_each = (
            self.SYNC_EVERY <= 1 if self.device.type != "cpu" else self.sync_cpu_each_step
        )
        # Several processes: a stop, pause or LR change must happen at the same step on all,
        # so only the stop is honoured, agreed in the per-step reduction (see parallel.py).
        ddp = self.ddp
        self._last_save = time.perf_counter()
        self._win_t0, self._win_samples = time.perf_counter(), 0
        set_lr(self.optimizer, self.schedule.at(st.step, st.epoch))
        if st.step == 0 and not self._resuming:
            self._save_last()  # a good checkpoint exists even if step 1 diverges
        if ddp is None and self.control.pending and self._controls():
            return self._stopped()
        while st.epoch < tr.epochs:
            outcome = self._run_epoch()
            if outcome == BUDGET:
                self._window_close()
                if self._divergence:
                    return self._divergence
                if st.batch >= self.steps_per_epoch:
                    self._end_epoch()
                return "completed", f"reached the step budget (max_steps {tr.max_steps})", ""
            if outcome is not None:
                return outcome
            self._window_close()
            if self._divergence:  # found in the last unsynced steps: no epoch end, no checkpoint
                return self._divergence
            if self._end_epoch():
                es = tr.early_stopping
                return (
                    "completed",
                    f"stopped early: {self.monitor.metric} did not improve for {es.patience} epochs "
                    f"(best {self.monitor.best:.6g} at epoch {self.monitor.best_epoch})",
                    "",
                )
            self._win_t0, self._win_samples = time.perf_counter(), 0
            if ddp is None and self.control.pending and self._controls():
                return self._stopped()
            if ddp is not None and ddp.flags.stop:
                return self._stopped()
        return "completed", f"finished {st.epoch} epochs", ""

    def _run_epoch(self: Any) -> tuple[str, str, str] | None:
        """One epoch from the current position; None when it ran to its end."""
        st, tr = self.state, self.spec.train
        model, opt, task, ctl, sched = (
            self.step_model,
            self.optimizer,
            self.task,
            self.control,
            self.schedule,
        )
        clipper, clip_on, norm_every = (
            self.clipper,
            self.clipper.mode != "none",
            self.GRAD_NORM_EVERY,
        )
        lm, per_step_lr, sync_each = self.lm, sched.per_step, self._sync_each
        ddp = self.ddp
        hooks = self._hooks["on_step_end"]
        max_steps = tr.max_steps or 0
        save_every = self.checkpoint_every_s
        writes_done = self._writer.done
        lm_state = st.lm_state
        group = opt.param_groups[0]  # read per step: the LR may be set by hand between steps
        for x, y, lengths, mask in self._batches():
            if per_step_lr:
                set_lr(opt, sched.at(st.step, st.epoch))
            lr = group["lr"]
            if lm:
                out, lm_state = model(x, None, detach_state(lm_state))
            else:
                out, _ = model(x, lengths)
            loss = task.loss(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            measure = st.step % norm_every == 0
            norm = clipper(measure) if clip_on or measure else None
            weight = y.numel() if lm else x.shape[0]
            n = x.shape[0]
            if sync_each:  # CPU: .item() costs no device sync; check before the step is taken
                value = loss.item()
                if ddp is not None:  # the loss over all processes, and their stop request
                    value, weight, n = self._reduce_one(value, weight, n)
                gnorm = norm.item() if norm is not None else NAN
                if not math.isfinite(value) or (norm is not None and not math.isfinite(gnorm)):
                    return self._diverged(st.step + 1, value, gnorm)
                opt.step()
                st.step += 1
                st.batch += 1
                self._record(st.step, value, gnorm, lr, weight, n)
            else:
                opt.step()
                st.step += 1
                st.batch += 1
                self._pending.append((st.step, loss.detach(), norm, lr, weight, n))
                if len(self._pending) >= self.SYNC_EVERY:
                    bad = self._flush_pending()
                    if bad is not None:
                        return bad
            if lm:
                st.lm_state = lm_state
            if hooks:
                info = StepInfo(
                    st.step, st.epoch + 1, st.batch - 1, (x, y, lengths, mask), loss.detach(), lr
                )
                for hook in hooks:
                    hook(self, info)
            if writes_done:
                self._announce_writes()
            if ddp is not None:
                if ddp.flags.stop:
                    return self._stopped()
            elif ctl.pending and self._controls():
                return self._stopped()
            if max_steps and st.step >= max_steps:
                return BUDGET
            if (
                ddp.flags.save
                if ddp is not None
                else time.perf_counter() - self._last_save > save_every
            ):
                self._save_last()
                if ddp is not None:
                    ddp.flags.save = False
                if self._divergence:
                    return self._divergence
        return None

    # ---- step records ---------------------------------------------------------------------
    def _record(
        self: Any, step: int, value: float, gnorm: float, lr: float, weight: int, n: int
    ) -> None:
        st = self.state
        st.loss_sum += value * weight
        st.loss_weight += weight
        st.total_samples += n
        self._win_samples += n
        elapsed = time.perf_counter() - self._win_t0
        rate = self._win_samples / elapsed if elapsed > 0 else 0.0
        epoch = st.epoch + 1
        self.events.publish(
            StepEvent(step, epoch, value, lr, gnorm, rate, step / self._planned_steps)
        )
        self._log.write_step(step, epoch, value, lr, gnorm)

    def _flush_pending(self: Any) -> tuple[str, str, str] | None:
        """GPU path: sync the buffered step losses at once, publish them, check for divergence."""
        pending, self._pending = self._pending, []
        if not pending:
            return None
        if self.ddp is not None:  # summed over the processes, with their stop request
            reduced = self._reduce_pending(pending)
            pending = [(p[0], v, p[2], p[3], w, n) for p, (v, w, n) in zip(pending, reduced)]
            values = [p[1] for p in pending]
        else:
            values = torch.stack([p[1] for p in pending]).tolist()
        norms_t = [p[2] for p in pending if p[2] is not None]
        norms = iter(torch.stack(norms_t).tolist()) if norms_t else iter(())
        for (step, _, norm, lr, weight, n), value in zip(pending, values):
            gnorm = next(norms) if norm is not None else NAN
            if not math.isfinite(value) or (norm is not None and not math.isfinite(gnorm)):
                return self._diverged(step, value, gnorm)
            self._record(step, value, gnorm, lr, weight, n)
        return None

    def _window_close(self: Any) -> None:
        """Bank the training time of the current stretch (eval and pauses do not count)."""
        self._flush_pending()
        self.state.train_time += time.perf_counter() - self._win_t0
        self._win_t0, self._win_samples = time.perf_counter(), 0

    # ---- outcomes and controls ------------------------------------------------------------
    def _diverged(self: Any, step: int, value: float, gnorm: float) -> tuple[str, str, str]:
        self._pending = []
        what = (
            f"loss became {value}" if not math.isfinite(value) else f"gradient norm became {gnorm}"
        )
        lr = self.optimizer.param_groups[0]["lr"]
        clip = self.spec.train.clip.mode
        hint = f"lower the learning rate (now {lr:g})"
        hint += " or turn on gradient clipping (train.clip.mode 'norm')" if clip == "none" else ""
        hint += "; the last good checkpoint was kept"
        message = f"training diverged: the {what} at step {step} (epoch {self.state.epoch + 1})"
        self._divergence = ("diverged", message, hint)
        self._window_close()
        return self._divergence

    def _stopped(self: Any) -> tuple[str, str, str]:
        self._window_close()
        if self._divergence:
            return self._divergence
        st = self.state
        return (
            "stopped",
            f"stopped at step {st.step} (epoch {st.epoch + 1})",
            f"continue with: workbench resume {self.run_dir}",
        )

    def _controls(self: Any) -> bool:
        return self.control.between_steps(self._set_lr_by_hand, self._on_pause, self._on_resume)

    def _set_lr_by_hand(self: Any, lr: float) -> None:
        st = self.state
        self.schedule.set_by_hand(lr, st.step, st.epoch)
        set_lr(self.optimizer, self.schedule.at(st.step, st.epoch))
        self._log.write({"type": "lr", "step": st.step, "lr": lr, "by": "hand"})
        self._note(f"learning rate set to {lr:g} at step {st.step}")

    def _on_pause(self: Any) -> None:
        self._window_close()
        if self._divergence:  # caught by the sync before pausing: end the run instead
            self.control.stop()
            return
        self._set_status("paused", f"paused at step {self.state.step}")
        self._log.flush()

    def _on_resume(self: Any) -> None:
        self._set_status("running", "")
        self._win_t0, self._win_samples = time.perf_counter(), 0
