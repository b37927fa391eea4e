"""Follow a run that another process writes: its run folder, read incrementally, turned back
into the typed events an in-process run publishes (``StepEvent``, ``EpochEvent``,
``StatusEvent``).

Whoever starts a run in another process — the app's multi-process runs, a sweep's trial
processes — follows it with one ``RunFollower`` per run and calls ``poll()`` a few times a
second (off the GUI thread). Each poll reads only what is new: the metrics log from the byte
offset where the last poll stopped (a line without its ``\\n`` is still being written and is
left for the next poll), the step-array chunks not read yet (``step_store``: each chunk is
written atomically, and merged into ``steps.npy`` when the run ends), and the small
``status.json``. The run folder is the only channel; the format is ``runs.py``'s.

Torch-free and Qt-free.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.run_history import _epoch_metrics
from workbench.core.runs import RunDir
from workbench.core.step_store import MERGED, STEPS_DIR, _chunks
from workbench.core.training.events import EpochEvent, StatusEvent, StepEvent


class RunFollower:
    """Reads what is new in a run folder since the last ``poll()``.

    Args:
        run_dir: the run's folder (it may not exist yet: the other process makes it).
        samples_per_step: samples in one optimizer step (the global batch), for the live
            samples/s figure (the folder keeps steps, not their timing).

    After the run: ``end`` is its ``end`` record (status, message, final metrics), ``status``
    its last status record.
    """

    def __init__(self, run_dir: str | Path, samples_per_step: int = 0) -> None:
        self.run = RunDir(Path(run_dir))
        self.samples_per_step = int(samples_per_step)
        self.status: dict[str, Any] = {}
        self.end: dict[str, Any] | None = None
        self.start: dict[str, Any] | None = None
        self.last_step = 0
        self._offset = 0
        self._read_chunks: set[str] = set()
        self._merged_key: tuple[int, int] | None = None
        self._status_key: tuple[int, int] | None = None
        self._rate_mark: tuple[float, int] | None = None  # (time, step) of the last rate
        self._rate = float("nan")

    # ---- what the folder says -------------------------------------------------------------
    @property
    def planned_steps(self) -> int:
        return int(self.status.get("planned_steps") or 0)

    @property
    def epochs(self) -> int:
        return int(self.status.get("epochs") or 0)

    def poll(self) -> list[Any]:
        """Events for what was written since the last call, in order: steps, then log records."""
        self._read_status()
        events: list[Any] = list(self._new_steps())
        events += self._new_records()
        return events

    # ---- status.json ----------------------------------------------------------------------
    def _read_status(self) -> None:
        key = _stat_key(self.run.status_file)
        if key is None or key == self._status_key:
            return
        self._status_key = key
        status = self.run.read_status()
        if status:
            self.status = status

    # ---- steps/ ----------------------------------------------------------------------------
    def _new_steps(self) -> list[StepEvent]:
        folder = self.run.path / STEPS_DIR
        parts = []
        merged = folder / MERGED
        key = _stat_key(merged)
        if key is not None and key != self._merged_key:
            self._merged_key = key
            parts.append(_load(merged))
        for chunk in _chunks(folder):
            if chunk.name not in self._read_chunks:
                rows = _load(chunk)
                if rows is not None:  # a chunk being replaced now: read it next time
                    self._read_chunks.add(chunk.name)
                parts.append(rows)
        rows_list = [p for p in parts if p is not None and len(p)]
        if not rows_list:
            return []
        rows = np.concatenate(rows_list) if len(rows_list) > 1 else rows_list[0]
        rows = rows[rows["step"] > self.last_step]
        if not len(rows):
            return []
        rows = rows[np.argsort(rows["step"], kind="stable")]
        planned = self.planned_steps
        rate = self._update_rate(int(rows["step"][-1]))
        events = [
            StepEvent(
                int(r["step"]),
                int(r["epoch"]),
                float(r["loss"]),
                float(r["lr"]),
                float(r["grad_norm"]),
                rate,
                min(1.0, int(r["step"]) / planned) if planned else 0.0,
            )
            for r in rows
        ]
        self.last_step = events[-1].step
        return events

    def _update_rate(self, step: int) -> float:
        """Samples/s between the last two polls that brought steps (NaN at first)."""
        now = time.monotonic()
        if self._rate_mark is not None and self.samples_per_step:
            t0, s0 = self._rate_mark
            if now > t0 and step > s0:
                self._rate = (step - s0) * self.samples_per_step / (now - t0)
        self._rate_mark = (now, step)
        return self._rate

    # ---- metrics.jsonl ---------------------------------------------------------------------
    def _new_records(self) -> list[Any]:
        try:
            with open(self.run.metrics_file, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except OSError:
            return []
        complete = data.rfind(b"\n") + 1  # the rest is a line still being written
        self._offset += complete
        events: list[Any] = []
        for line in data[:complete].splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                event = self._event(record)
                if event is not None:
                    events.append(event)
        return events

    def _event(self, record: dict[str, Any]) -> Any:
        kind = record.get("type")
        if kind == "epoch":
            return EpochEvent(int(record.get("epoch") or 0), _epoch_metrics(record))
        if kind == "status":
            return StatusEvent(str(record.get("status", "")), str(record.get("message") or ""))
        if kind == "note":
            current = str(self.status.get("status") or "running")
            return StatusEvent(current, str(record.get("message") or ""))
        if kind in ("start", "resume"):
            self.start = record
        elif kind == "end":
            self.end = record
        return None


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _load(path: Path) -> np.ndarray | None:
    try:
        rows: np.ndarray = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    return rows


__all__ = ["RunFollower"]
