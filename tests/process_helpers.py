"""Finding processes a test left behind (orphans of a multi-process launch)."""

from __future__ import annotations

import os
from pathlib import Path


def processes_mentioning(marker: str) -> list[str]:
    """Command lines of live processes (other than this one) that mention ``marker``."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmd:
            found.append(cmd)
    return found
