"""Thread-safe controls of a running training loop: stop, pause, resume, run N steps, set the LR.

Any thread (the GUI, a signal handler) calls the public methods; the loop looks at the plain
``pending`` flag after each step — one attribute read, no lock — and only takes the lock when
something was asked for. Pausing is a blocking wait on a ``threading.Condition``: no busy loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from workbench.core.spec.project import lr_problem


class TrainerControl:
    def __init__(self) -> None:
        # Re-entrant, so a subscriber or a signal handler on the loop's own thread may call
        # the controls while the loop holds the lock.
        self._cond = threading.Condition(threading.RLock())
        self._stop = False
        self._paused = False
        self._steps_left: int | None = None
        self._lr: float | None = None
        #: True when the loop should look at the controls after the current step.
        self.pending = False

    # ---- requests (any thread) ------------------------------------------------------------
    def stop(self) -> None:
        """Finish the current batch, save a checkpoint and end with status ``stopped``."""
        with self._cond:
            self._stop = True
            self._update()

    def pause(self) -> None:
        """Pause after the current batch (the loop then waits without using the CPU)."""
        with self._cond:
            self._paused = True
            self._steps_left = None
            self._update()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._steps_left = None
            self._update()

    def step(self, n: int = 1) -> None:
        """Run ``n`` more batches, then pause (again)."""
        if n < 1:
            raise ValueError(f"step count must be ≥ 1 (got {n})")
        with self._cond:
            self._paused = True
            self._steps_left = (self._steps_left or 0) + int(n)
            self._update()

    def set_lr(self, lr: float) -> None:
        """Change the learning rate from the next step on (also while paused); logged by the run."""
        lr = float(lr)
        problem = lr_problem(lr)
        if problem:
            raise ValueError(problem)
        with self._cond:
            self._lr = lr
            self._update()

    @property
    def paused(self) -> bool:
        return self._paused and not self._steps_left

    @property
    def stop_requested(self) -> bool:
        return self._stop

    def _update(self) -> None:
        self.pending = (
            self._stop or self._paused or self._lr is not None or self._steps_left is not None
        )
        self._cond.notify_all()

    # ---- the loop's side ------------------------------------------------------------------
    def between_steps(
        self,
        apply_lr: Callable[[float], None],
        on_pause: Callable[[], None],
        on_resume: Callable[[], None],
    ) -> bool:
        """Handle every pending request; blocks while paused. Returns True when the loop must stop."""
        with self._cond:
            reported_pause = False
            while True:
                if self._lr is not None:
                    lr, self._lr = self._lr, None
                    apply_lr(lr)
                if self._stop:
                    self._update()
                    return True
                if self._paused and self._steps_left:
                    self._steps_left -= 1  # one more batch, then look again
                elif self._paused:
                    if not reported_pause:
                        reported_pause = True
                        on_pause()
                        continue  # on_pause may itself have asked to stop
                    self._cond.wait()
                    continue
                if reported_pause:
                    on_resume()
                self.pending = (
                    self._stop
                    or self._paused
                    or self._lr is not None
                    or self._steps_left is not None
                )
                return False
