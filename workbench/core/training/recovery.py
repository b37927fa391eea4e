"""Putting a run folder back in order before a resume: after a crash (SIGKILL, OOM, power
loss) the folder can hold more than its last checkpoint does.

- The metrics log is written ahead of the checkpoint (an epoch's line is on disk before its
  checkpoint is), so it may hold steps and epochs the checkpoint lacks: they are cut off, and
  the resumed run writes them again — every step and epoch is in the log exactly once.
- A write killed half-way leaves a hidden temp file (``.last.safetensors.*.tmp``): removed.
Both run under the run folder's lock, so no live writer is disturbed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

#: Hidden files the atomic writers leave behind when killed mid-write.
TEMP_SUFFIXES = (".tmp", ".link")


def clean_temp_files(folder: Path) -> list[Path]:
    """Remove leftover temp files of interrupted atomic writes in ``folder`` and its
    ``checkpoints/``; returns what was removed."""
    removed = []
    for place in (folder, folder / "checkpoints", folder / "steps"):
        try:
            entries = list(place.iterdir())
        except OSError:
            continue
        for path in entries:
            if path.name.startswith(".") and path.name.endswith(TEMP_SUFFIXES) and path.is_file():
                try:
                    path.unlink()
                except OSError:
                    continue
                removed.append(path)
    return removed


def _after_checkpoint(record: dict[str, Any], step: int, epoch: int) -> bool:
    kind = record.get("type")
    if kind == "step":
        return _int(record.get("step")) > step
    if kind == "epoch":
        return _int(record.get("epoch")) > epoch
    return False


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def truncate_log(path: Path, step: int, epoch: int) -> int:
    """Cut the metrics log at its first record past the checkpoint (``step`` steps, ``epoch``
    epochs done) and at a torn last line; returns how many lines were cut."""
    try:
        with open(path, "rb") as handle:
            lines = handle.readlines()
    except FileNotFoundError:
        return 0
    keep = kept = 0
    for line in lines:
        if not line.endswith(b"\n"):
            break
        try:
            record = json.loads(line)
        except ValueError:
            record = {}
        if isinstance(record, dict) and _after_checkpoint(record, step, epoch):
            break
        keep += len(line)
        kept += 1
    if kept < len(lines):
        with open(path, "r+b") as handle:
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
    return len(lines) - kept


def logged_epochs(path: Path) -> set[int]:
    """The epochs that have an ``epoch`` record in the log."""
    from workbench.core.runs import read_metrics

    return {r["epoch"] for r in read_metrics(path, "epoch") if isinstance(r.get("epoch"), int)}
