"""How a multi-process run that loses a process still ends ``failed`` with the right error.

Under a torch launcher (``torchrun`` or ``--nproc``), when one process fails the launcher
SIGTERMs the others. A plain SIGTERM ends Python without a word, so rank 0 — the one process
that writes the run folder — would leave the status at ``running``. Rank 0 therefore turns
SIGTERM into ``Terminated`` (the run's usual failure path then writes ``failed``), and a
failing process other than 0 first leaves its own error in the run folder
(``rank<R>.error.json``), so that rank 0 reports the cause, not its symptom (a lost peer or
the launcher's signal). If rank 0 itself is killed, nobody writes the end: its status names its
pid, and the run store reads a live status whose process is gone as ``interrupted``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from pathlib import Path

#: The error a process other than rank 0 leaves in the run folder when it fails.
ERROR_FILE = "rank{rank}.error.json"
#: Seconds rank 0, ended by a symptom, waits for the failing process's error file.
WAIT_S = 2.0


class Terminated(BaseException):
    """Rank 0 got SIGTERM: the launcher ends every process once one of them has failed."""


def raise_on_sigterm() -> None:
    """Make SIGTERM raise ``Terminated`` in this (main) thread; elsewhere nothing."""
    if threading.current_thread() is not threading.main_thread():
        return

    def terminated(signum: int, frame: object) -> None:
        raise Terminated("ended by the launcher (SIGTERM)")

    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGTERM, terminated)


def leave_failure(run_dir: Path, rank: int, message: str) -> None:
    """A failing process other than rank 0: leave ``message`` for rank 0 (best effort)."""
    from workbench.core.runs import replace_file

    record = {"rank": rank, "message": message, "time": time.time()}
    with contextlib.suppress(OSError):
        replace_file(Path(run_dir) / ERROR_FILE.format(rank=rank), json.dumps(record).encode())


def find_failure(run_dir: Path, since: float, wait_s: float = WAIT_S) -> tuple[int, str] | None:
    """The first error another process left since ``since`` (a ``time.time()``), waiting up
    to ``wait_s`` for one to appear; ``(rank, message)`` or None."""
    deadline = time.monotonic() + wait_s
    while True:
        found = []
        for path in Path(run_dir).glob(ERROR_FILE.format(rank="*")):
            with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
                record = json.loads(path.read_text(encoding="utf-8"))
                if float(record["time"]) >= since:
                    found.append((float(record["time"]), int(record["rank"]), record["message"]))
        if found:
            _, rank, message = min(found)
            return rank, str(message)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


__all__ = ["ERROR_FILE", "Terminated", "find_failure", "leave_failure", "raise_on_sigterm"]
