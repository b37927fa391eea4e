"""Starting a run on N local processes with torch's elastic launcher (what ``torchrun`` runs).

``workbench train PROJECT --nproc N`` calls ``launch_local``: the launcher starts N
``python -m workbench train … --run-dir RUN`` workers (each in its own session, as torchrun
does), gives them a c10d rendezvous on a free local port, watches them every 0.1 s, and stops
all of them as soon as one fails; Ctrl-C reaches the launcher, which forwards it once to the
workers, and they stop together after the current step with a checkpoint. Afterwards the run
folder tells how the run ended; a worker that died (killed, or failed on its own) leaves it
at ``running`` or with another process's symptom, so the launcher writes the end with the
failing rank's own error, read from the error file every worker records on failure.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.errors import WorkbenchError

#: Statuses a rank-0 process writes itself when it ends in an orderly way.
ENDED = ("completed", "stopped", "diverged")


@dataclass
class LaunchOutcome:
    """How a multi-process run ended, as far as the launcher knows."""

    status: str  # completed | stopped | diverged | failed
    message: str = ""
    exit_code: int = 0
    rank: int | None = None  # the failing process, when one failed


def record_failure(exc: BaseException) -> None:
    """In a worker: leave ``exc`` where the elastic launcher looks for the cause of a failure
    (``TORCHELASTIC_ERROR_FILE``); nothing when not started by a torch launcher."""
    path = os.environ.get("TORCHELASTIC_ERROR_FILE")
    if not path:
        return
    text = exc.one_line() if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
    data = {
        "message": {
            "message": text,
            "extraInfo": {
                "py_callstack": traceback.format_exc(),
                "timestamp": str(int(time.time())),
                "workbench_time": time.time(),  # finer than the launcher's whole seconds
            },
        }
    }
    with contextlib.suppress(OSError):
        Path(path).write_text(json.dumps(data), encoding="utf-8")


def check_devices(device: str, nproc: int) -> None:
    """Refuse, before any process starts, a device that cannot take ``nproc`` processes."""
    import torch

    from workbench.core.device import resolve_device

    chosen = resolve_device(device)
    if chosen.type == "mps":
        raise WorkbenchError(
            "training on several processes runs on CPUs or CUDA GPUs, not Apple MPS",
            "use --device cpu",
        )
    if chosen.type == "cuda" and nproc > torch.cuda.device_count():
        raise WorkbenchError(
            f"--nproc {nproc} puts one process on each GPU, but this machine has "
            f"{torch.cuda.device_count()}",
            f"use --nproc {torch.cuda.device_count()} or fewer, or --device cpu",
        )


def peer_lost(exc: BaseException) -> bool:
    """True for the error a collective raises when another process went away, and for the
    launcher's SIGTERM: a symptom, not a cause (the launcher reports the process that failed
    first)."""
    from workbench.core.training.rank_failure import Terminated

    if isinstance(exc, Terminated):  # the launcher ends the others once one has failed
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and any(
        sign in text for sign in ("closed by peer", "reset by peer", "Broken pipe")
    )


def launch_local(
    worker_args: list[str], nproc: int, run_dir: Path, entry: list[str] | None = None
) -> LaunchOutcome:
    """Run ``python -m workbench WORKER_ARGS…`` (``train …`` or ``resume …``; ``entry``
    replaces ``-m workbench``) on ``nproc`` local processes; the outcome once all are gone."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    # One process per core share: N workers × all cores each would fight over them.
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    logging.getLogger("torch.distributed.elastic").setLevel(logging.CRITICAL)
    config = LaunchConfig(
        min_nodes=1,
        max_nodes=1,
        nproc_per_node=nproc,
        run_id=f"workbench-{uuid.uuid4().hex[:12]}",
        rdzv_backend="c10d",
        rdzv_endpoint="localhost:0",  # torchrun --standalone: a free port on this machine
        max_restarts=0,
        monitor_interval=0.1,
    )
    try:
        command = [*(entry or ["-m", "workbench"]), *worker_args]
        elastic_launch(config, sys.executable)(*command)
    except ChildFailedError as exc:
        rank, message, code = _root_cause(exc.failures)
        return _settle(run_dir, rank, message, code)
    except SignalException:  # Ctrl-C: forwarded once to the workers, which stop together
        return _settle(run_dir, None, "stopped by a signal; the last checkpoint is kept", 130)
    return _settle(run_dir, None, "", 0)


def _root_cause(failures: dict[int, Any]) -> tuple[int, str, int]:
    """The failure that came first among those that say why (a recorded error), else the
    first one; ``(rank, message, exit code)``."""

    def when(item: tuple[int, Any]) -> tuple[int, float, int]:
        rank, failure = item
        data = failure.error_file_data or {}
        message = data.get("message")
        if isinstance(message, dict):
            return 0, float(message.get("extraInfo", {}).get("workbench_time", 0)), rank
        return 1, float(failure.timestamp), rank

    rank, failure = min(failures.items(), key=when)
    message = _recorded(failure)
    if rank != 0 and 0 in failures and message and _recorded(failures[0]) == message:
        # Every process met the same error (a missing data file): rank 0 reports it, as one
        # process would, whichever recorded it first.
        rank, failure = 0, failures[0]
    if not message or "elastic/errors.html" in str(message):
        signal_name = failure.signal_name()
        message = (
            f"killed by {signal_name}"
            if failure.exitcode < 0
            else f"exited with code {failure.exitcode}"
        )
    return rank, str(message), failure.exitcode


def _recorded(failure: Any) -> str:
    """The error a failed process recorded ("" when it recorded none)."""
    message = failure.message
    if isinstance(message, dict):
        message = message.get("message", "")
    return str(message or "")


def _settle(run_dir: Path, rank: int | None, message: str, code: int) -> LaunchOutcome:
    """Read how rank 0 ended the run; write the end it could not write itself."""
    from workbench.core.runs import RunDir

    run = RunDir(run_dir)
    try:
        status = run.read_status()
    except Exception:  # no run folder yet (a rank failed while starting), or unreadable
        status = {}
    ended = status.get("status")
    if code == 0 or (ended in ENDED and (rank is None or rank == 0)):
        # Exit as one process would have (cli.EXIT_*): 130 for a run stopped by the user.
        code = 130 if ended == "stopped" else code
        return LaunchOutcome(ended or "completed", status.get("message", ""), code, rank)
    if ended == "failed" and rank is not None and message in str(status.get("message", "")):
        # Rank 0 wrote the end itself, naming this cause (``rank_failure.py``).
        return LaunchOutcome("failed", str(status["message"]), 2 if code == 2 else 1, rank)
    if rank is None:  # a signal, and rank 0 did not get to write its end
        outcome = LaunchOutcome("stopped", message, code)
    else:
        text = f"process {rank} failed: {message}"
        outcome = LaunchOutcome("failed", text, 2 if code == 2 else 1, rank)
    if run.status_file.is_file():
        fields = {k: v for k, v in status.items() if k not in ("status", "message", "updated")}
        run.write_status(outcome.status, message=outcome.message, **fields)
        end = {"type": "end", "status": outcome.status, "message": outcome.message}
        with open(run.metrics_file, "a", encoding="utf-8") as log:  # rank 0 is gone: no writer
            log.write(json.dumps(end) + "\n")
    return outcome


__all__ = ["ENDED", "LaunchOutcome", "check_devices", "launch_local", "peer_lost", "record_failure"]
