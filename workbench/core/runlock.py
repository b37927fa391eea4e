"""The run folder's lock: one process at a time trains in a run folder.

An OS file lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows) on ``<run>/.lock``: the
operating system drops it when the process ends in any way — a crash or ``kill -9`` included —
so there is never a stale lock to clean up by hand. The file's text says who holds it (pid,
host, command, since when), for the message the next process shows.
"""

from __future__ import annotations

import contextlib
import errno
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
_WINDOWS = os.name == "nt"


def _try_lock(handle: IO[bytes]) -> bool:
    """Take the lock without waiting: False when another process holds it; any other failure
    (a file system without locks, a bad handle) is an ``OSError``."""
    if _WINDOWS:  # untested here (no Windows runner): written from the CRT's docs
        import msvcrt

        # _locking locks ``nbytes`` from the descriptor's current position (a buffered seek
        # moves it), past the end of the file if need be; LK_NBLCK fails at once with EACCES
        # when another handle holds an overlapping region (EDEADLOCK only comes from the
        # retrying LK_LOCK, listed for safety). The OS drops the lock when the process ends.
        handle.seek(_WIN_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]  # POSIX stubs lack msvcrt
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLOCK):
                return False
            raise
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise  # e.g. ENOLCK: a network file system without locks
    return True


def _unlock(handle: IO[bytes]) -> None:
    if _WINDOWS:
        import msvcrt

        handle.seek(_WIN_OFFSET)  # the same one-byte region that was locked
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]  # POSIX stubs lack msvcrt
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
        try:
            locked = _try_lock(handle)
        except OSError as exc:
            handle.close()
            raise TrainingError(
                f"{self.folder}: cannot lock the run folder ({exc.strerror or exc})",
                "the file system must support file locks (a local disk does)",
            ) from None
        if not locked:
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
        try:
            if _try_lock(handle):
                _unlock(handle)
                return None
        except OSError:  # no locks on this file system: nobody can hold one
            return None
    return describe_holder(_read_holder(path))
