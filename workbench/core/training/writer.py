"""Checkpoint files written off the training thread.

The loop serializes a checkpoint to bytes itself (a snapshot: the weights keep changing) and
hands the bytes to one background thread that writes the temp file, fsyncs and replaces — so
a slow disk never stalls training. Jobs run in order; ``wait()`` blocks until all are on disk
and re-raises a failed write on the caller's thread.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any

from workbench.core.errors import TrainingError


class CheckpointWriter:
    def __init__(self) -> None:
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        #: Paths (and a best flag) written since the loop last looked; appended by the worker.
        self.done: list[tuple[str, bool]] = []

    def submit(
        self, fn: Callable[..., Any], *args: Any, announce: tuple[str, bool] | None = None
    ) -> None:
        """Run ``fn(*args)`` on the writer thread after the jobs before it."""
        self._raise()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._work, name="checkpoint-writer", daemon=True
            )
            self._thread.start()
        self._jobs.put((fn, args, announce))

    def wait(self) -> None:
        """Block until every submitted job finished; raise the first failure."""
        if self._thread is not None:
            self._jobs.join()
        self._raise()

    def close(self) -> None:
        """Finish the jobs and end the thread (a failure is re-raised)."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
        self._raise()

    def close_quietly(self) -> None:
        """``close`` for clean-up paths where another error is already on its way."""
        with contextlib.suppress(Exception):
            self.close()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            if isinstance(error, OSError):
                raise TrainingError(
                    f"could not write a checkpoint: {error.strerror or error}",
                    "check the free disk space and that the run folder is writable",
                ) from error
            raise error

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                fn, args, announce = job
                if self._error is None:  # after a failure, later writes would only mislead
                    fn(*args)
                    if announce is not None:
                        self.done.append(announce)
            except BaseException as exc:  # handed to the training thread
                self._error = exc
            finally:
                self._jobs.task_done()
