"""Opening files named by users: only regular files, bounded reads, names that stay inside
the folder they belong to.

A FIFO as a project or data path blocked the reading thread forever (the GUI's too) and
``/dev/zero`` was read until memory ran out; ``example:../../x`` and ``resource:../x`` reached
outside the shipped folders. Every path from a user goes through here first.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from workbench.core.errors import WorkbenchError


def check_regular(
    path: Path, label: str, error: type[WorkbenchError] = WorkbenchError, hint: str = ""
) -> os.stat_result:
    """``os.stat`` of ``path`` (never blocks, also on a FIFO), or ``error`` when it is missing,
    unreadable, a folder, or not a regular file (pipe, device, socket)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{label}: no such file", hint or "check the path") from None
    except OSError as exc:
        raise error(f"{label}: cannot be read ({exc.strerror or exc})", hint) from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{label}: is a folder, not a file", "choose a file inside it")
    if not stat.S_ISREG(info.st_mode):
        raise error(
            f"{label}: not a regular file (a pipe, device or socket)",
            "give a file on disk; reading from pipes and devices is not supported",
        )
    return info


def is_regular(path: Path) -> bool:
    """True for an existing regular file (False for a FIFO, device, folder, or nothing)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_bytes_capped(
    path: Path, label: str, limit: int, error: type[WorkbenchError] = WorkbenchError
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes."""
    info = check_regular(path, label, error)
    if info.st_size > limit:
        raise error(
            f"{label}: too large for this kind of file ({info.st_size:,} bytes, at most {limit:,})",
            "check that this is the right file",
        )
    try:
        with open(path, "rb") as handle:
            return handle.read(limit + 1)[: limit + 1]
    except OSError as exc:
        raise error(f"{label}: cannot be read ({exc.strerror or exc})") from None


def inside(folder: Path, name: str, label: str, error: type[WorkbenchError]) -> Path:
    """``folder / name``, refused when ``name`` would lead outside ``folder``."""
    candidate = (folder / name).resolve()
    if not name or os.path.isabs(name) or not candidate.is_relative_to(folder.resolve()):
        raise error(f"{label}: must name a file inside {folder.name}/, not a path out of it")
    return candidate
