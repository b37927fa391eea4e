"""The run folder's lock: one process at a time trains in a run folder.

An OS file lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows) on ``<run>/.lock``: the
operating system drops it when the process ends in any way — a crash or ``kill -9`` included —
so there is never a stale lock to clean up by hand. The file's text says who holds it (pid,
host, command, since when), for the message the next process shows.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import IO, Any

from workbench.core.errors import TrainingError

LOCK_NAME = ".lock"
#: Windows locks a byte range and refuses reads inside it: lock one byte far past the text.
_WIN_OFFSET = 1 << 20


def _try_lock(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        handle.seek(_WIN_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    return True


def _unlock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        handle.seek(_WIN_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def describe_holder(info: dict[str, Any]) -> str:
    """``pid 123 on host, since …: workbench train …`` from a lock file's record."""
    if not info:
        return "another process"
    text = f"process {info.get('pid', '?')} on {info.get('host', '?')}"
    if info.get("since"):
        text += f" since {info['since']}"
    if info.get("command"):
        text += f" ({info['command']})"
    return text


def _read_holder(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class RunLock:
    """An exclusive lock on one run folder, held from ``acquire()`` until ``release()`` or the
    end of the process.

    Example::

        lock = RunLock(run_dir)
        lock.acquire()   # TrainingError naming the holder when another process has it
        ...
        lock.release()
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._handle: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> None:
        """Take the lock, or raise a ``TrainingError`` saying who holds it."""
        if self._handle is not None:
            return
        try:
            handle = open(self.path, "a+b")  # noqa: SIM115 - held as long as the run
        except OSError as exc:
            raise TrainingError(
                f"{self.folder}: cannot lock the run folder ({exc.strerror or exc})",
                "the run folder must be writable: check its permissions and free space",
            ) from None
        if not _try_lock(handle):
            handle.close()
            holder = describe_holder(_read_holder(self.path))
            raise TrainingError(
                f"{self.folder}: the run is in use by {holder}",
                "wait for it to finish or stop it; only one process trains in a run folder",
            )
        self._handle = handle
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": " ".join(["workbench", *sys.argv[1:]])[:300],
        }
        with contextlib.suppress(OSError):  # the lock holds even if the note cannot be written
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(record).encode("utf-8"))
            handle.flush()

    def release(self) -> None:
        """Give the lock up (also done by the OS when the process ends)."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
        with contextlib.suppress(OSError):
            _unlock(handle)
        handle.close()


def holder(folder: Path | str) -> str | None:
    """Who holds ``folder``'s lock now, or None when nobody does (a quick try-and-release)."""
    path = Path(folder) / LOCK_NAME
    if not path.is_file():
        return None
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except OSError:
        return None
    with handle:
        if _try_lock(handle):
            _unlock(handle)
            return None
    return describe_holder(_read_holder(path))
