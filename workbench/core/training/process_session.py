"""A run on N local processes, started as a subprocess and followed through its run folder.

``start_process_run(spec, base_dir, options, nproc)`` gives what ``start_run`` gives — typed
``events``, a ``control``, ``run()`` that blocks until the run ends and returns its
``RunResult`` — so the app drives a multi-process run through the same seam as an in-process
one. ``run()`` starts ``python -m workbench train PROJECT --nproc N --run-dir RUN --json``
(torch's elastic launcher then starts the N workers) and, until it exits, turns what rank 0
writes into the run folder back into events (``core.run_follow.RunFollower``) on the calling
thread. ``control.stop()`` creates ``<run>/stop.request``, which rank 0 honours after the
current step (every rank stops at the same step, with a checkpoint); pause, step and a new
learning rate are single-process controls. With inspection asked for, every epoch's checkpoint
of rank 0 is inspected (``core.inspection.from_run``) and its events published like a live
probe's.

The launcher runs in its own session, so a Ctrl-C meant for the app does not reach it; a run
that does not stop within ``STOP_GRACE_S`` of a stop request is terminated (the launcher takes
its workers down with it), and so is every run still going when the app's process exits.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.errors import TrainingError
from workbench.core.run_follow import RunFollower
from workbench.core.runs import STOP_REQUEST
from workbench.core.training.control import TrainerControl
from workbench.core.training.events import EpochEvent, EventBus, StatusEvent
from workbench.core.training.result import RunResult
from workbench.core.training.session import RunOptions

if TYPE_CHECKING:
    from workbench.core.spec.project import ProjectSpec

#: Seconds between looks at the run folder (the GUI drains its buffer at 10 Hz).
POLL_S = 0.25
#: Seconds a run may take to stop after a stop request before it is terminated.
STOP_GRACE_S = 45.0
#: Seconds between terminating the launcher and killing it.
KILL_AFTER_S = 15.0

_LIVE: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _end_live_runs() -> None:
    """The app's process is ending: take every run it started down with it (no orphans)."""
    for proc in list(_LIVE):
        _terminate(proc)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(OSError):
        proc.terminate()  # the launcher stops its workers on SIGTERM
    try:
        proc.wait(KILL_AFTER_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()


def worker_spec(spec: ProjectSpec, base_dir: Path | str | None) -> ProjectSpec:
    """``spec`` with its data files as absolute paths: the workers read the project from a
    temporary file, whose folder is not the one relative paths start from."""
    import copy

    out = copy.deepcopy(spec)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    for name in ("source", "test_source"):
        ref = getattr(out.data, name)
        if not ref or ref.strip().startswith(("builtin:", "resource:")):
            continue
        path = Path(ref.strip()).expanduser()
        if not path.is_absolute():
            setattr(out.data, name, str((base / path).resolve()))
    return out


class ProcessSession:
    """One run on ``nproc`` local processes, followed through its run folder.

    Args:
        spec: the project (None when resuming).
        base_dir: where the project's relative data paths start.
        options: ``run_dir`` (required for a new run: the folder to follow), ``device``,
            ``probe`` (inspect rank 0's checkpoint at every epoch end).
        nproc: processes (≥ 2).
        resume: ``(run_dir, epochs)`` to continue a run instead.
    """

    def __init__(
        self,
        spec: ProjectSpec | None,
        base_dir: Path | str | None,
        options: RunOptions,
        nproc: int,
        resume: tuple[Path, int | None] | None = None,
    ) -> None:
        folder = resume[0] if resume is not None else options.run_dir
        if folder is None:
            raise TrainingError("a run on several processes needs its run folder chosen first")
        self.events = EventBus()
        self.control = TrainerControl()
        self.options = options
        self.nproc = int(nproc)
        self._spec = spec
        self._base_dir = base_dir
        self._resume = resume
        self._run_dir = Path(folder)
        batch = spec.train.batch_size if spec is not None else 0
        self.follower = RunFollower(self._run_dir, samples_per_step=max(1, batch // nproc) * nproc)
        self.final: dict[str, Any] = {}
        self.stderr = ""

    # ---- facts about the run ---------------------------------------------------------------
    @property
    def run_dir(self) -> Path:
        return self._run_dir

    @property
    def planned_steps(self) -> int:
        return self.follower.planned_steps

    @property
    def epochs(self) -> int:
        if self.follower.epochs:
            return self.follower.epochs
        return int(self._spec.train.epochs) if self._spec is not None else 0

    @property
    def task(self) -> str:
        return str(self._spec.data.task) if self._spec is not None else ""

    data_summary = None  # the workers load the data; the app is told only what the folder says
    sample_epoch = None  # sampling needs the live weights of this process

    def set_temperature(self, temperature: float) -> None:
        """Nothing to do: the workers run no probe."""

    def sample_text(self, *_args: Any, **_kwargs: Any) -> str:
        raise TrainingError(
            "sampling from a run on several processes is not available while it runs",
            "sample after it ends (load the run into Inspect from the Runs tab)",
        )

    # ---- running ---------------------------------------------------------------------------
    def command(self, project_file: Path | None) -> list[str]:
        """The launcher's command line."""
        cmd = [sys.executable, "-m", "workbench"]
        if self._resume is not None:
            cmd += ["resume", str(self._run_dir)]
            if self._resume[1] is not None:
                cmd += ["--epochs", str(self._resume[1])]
        else:
            cmd += ["train", str(project_file), "--run-dir", str(self._run_dir)]
        cmd += ["--nproc", str(self.nproc), "--json"]
        if self.options.device:
            cmd += ["--device", self.options.device]
        return cmd

    def run(self) -> RunResult | None:
        """Start the processes and follow them until they end (blocks the calling thread);
        None when stopped before they started. A failed run raises ``TrainingError`` with the
        failing process's own error."""
        if self.control.stop_requested:
            return None
        scratch = Path(tempfile.mkdtemp(prefix="workbench-launch-"))
        try:
            project = None
            if self._spec is not None:
                from workbench.core.spec.project_file import save_project

                project = scratch / "project.json"
                save_project(worker_spec(self._spec, self._base_dir), project)
            out_path, err_path = scratch / "stdout.txt", scratch / "stderr.txt"
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                proc = subprocess.Popen(
                    self.command(project),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,  # the app's Ctrl-C is not the run's
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
            _LIVE.add(proc)
            try:
                self._follow(proc)
            finally:
                _terminate(proc)  # only when leaving early (an error here): it has ended
                _LIVE.discard(proc)
                with contextlib.suppress(OSError):  # a stop asked for after rank 0's last look
                    (self._run_dir / STOP_REQUEST).unlink(missing_ok=True)
            self.stderr = err_path.read_text(encoding="utf-8", errors="replace")
            stdout = out_path.read_text(encoding="utf-8", errors="replace")
            return self._outcome(proc.returncode, stdout)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _follow(self, proc: subprocess.Popen[bytes]) -> None:
        stop_sent_at: float | None = None
        inspect = self._inspector()
        while True:
            ended = proc.poll() is not None
            events = self.follower.poll()  # after the exit check: the last poll sees it all
            for event in events:
                if isinstance(event, StatusEvent) and event.message.startswith("training on"):
                    event.message += f" · {self.nproc} processes (data parallel)"
                self.events.publish(event)
            if inspect is not None:
                inspect(events)
            if ended:
                return
            if self.control.stop_requested:
                now = time.monotonic()
                if stop_sent_at is None:
                    stop_sent_at = now
                    self._request_stop()
                elif now - stop_sent_at > STOP_GRACE_S:
                    _terminate(proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(POLL_S)

    def _request_stop(self) -> None:
        with contextlib.suppress(OSError):
            self._run_dir.mkdir(parents=True, exist_ok=True)
            (self._run_dir / STOP_REQUEST).touch()

    def _inspector(self) -> Any:
        """Rank 0's checkpoint inspected once per epoch (None: inspection is off)."""
        probe = self.options.probe
        if probe is None or not probe.enabled:
            return None
        checkpoint = self._run_dir / "checkpoints" / "last.safetensors"
        state: dict[str, float | None] = {"due": None, "seen": None}

        def inspect(events: list[Any]) -> None:
            if any(isinstance(e, EpochEvent) for e in events):
                state["due"] = time.time()
            due = state["due"]
            if due is None:
                return
            try:
                mtime = checkpoint.stat().st_mtime
            except OSError:
                return
            # The epoch's checkpoint is written just after its log line (slack: clock steps).
            if mtime == state["seen"] or mtime < due - 1.0:
                return
            state["due"], state["seen"] = None, mtime
            from workbench.core.errors import WorkbenchError
            from workbench.core.inspection.from_run import inspect_run

            try:
                found = inspect_run(self._run_dir, probe, latest=True)
            except (WorkbenchError, OSError, RuntimeError, ValueError):
                return  # a checkpoint being replaced: the next epoch's will do
            for event in found:
                self.events.publish(event)

        return inspect

    def _outcome(self, code: int | None, stdout: str) -> RunResult:
        record = _last_json(stdout)
        self.final = record
        status = record.get("status")
        if status in ("completed", "stopped", "diverged"):
            return RunResult.from_dict(record)
        end = self.follower.end or {}
        message = (
            record.get("error")
            or record.get("message")
            or (end.get("message") if end.get("status") == "failed" else None)
            or _error_line(self.stderr)
            or f"the training processes ended with exit code {code}"
        )
        hint = record.get("hint") or f"the run folder is {self._run_dir}"
        raise TrainingError(str(message), str(hint))

    def final_sample(self, prime: str, n_tokens: int, temperature: float) -> str | None:
        """A language model's sample printed by the run at its end (None for other tasks)."""
        sample = self.final.get("sample")
        return sample if isinstance(sample, str) else None


def _last_json(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                return record
    return {}


def _error_line(stderr: str) -> str:
    for line in reversed(stderr.splitlines()):
        if line.startswith("error: "):
            return line[len("error: ") :]
    return ""


def start_process_run(
    spec: ProjectSpec,
    base_dir: Path | str | None,
    options: RunOptions,
    nproc: int,
) -> ProcessSession:
    """A new run of ``spec`` on ``nproc`` local processes (``options.run_dir`` is required)."""
    return ProcessSession(spec, base_dir, options, nproc)


def resume_process_run(
    run_dir: Path | str, options: RunOptions, nproc: int, epochs: int | None = None
) -> ProcessSession:
    """Continue the run in ``run_dir`` on ``nproc`` processes."""
    return ProcessSession(None, None, options, nproc, resume=(Path(run_dir), epochs))


__all__ = ["ProcessSession", "resume_process_run", "start_process_run", "worker_spec"]
