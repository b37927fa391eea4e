"""Per-step metrics as arrays: ``<run>/steps/`` holds NumPy ``.npy`` chunks of one structured
dtype (step, epoch, loss, lr, grad_norm), beside the small JSON-lines event log.

Why: a 1,000,000-step run wrote a 121 MB ``metrics.jsonl``, and overlaying it meant parsing a
million JSON lines into dicts (8 s, ~950 MB). The same steps are 36 MB of ``.npy`` here, read
with a memory map in a fraction of a second (``benchmarks/run_store_scale.py``).

The writer buffers steps in a preallocated array and writes a chunk (``000001.npy``, …) on
every flush — at least every few seconds and before every checkpoint, so what a checkpoint
covers is on disk first — and merges its chunks into ``steps.npy`` when the run ends. A chunk
is written atomically (temp file + ``os.replace``), so a reader never sees half of one. After a
crash, steps past the checkpoint are cut (``truncate_steps``); a step written twice (trained
again after a resume) counts once, its last value. Old runs with step lines in
``metrics.jsonl`` are still read (``read_steps`` falls back to them).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

STEPS_DIR = "steps"
MERGED = "steps.npy"
DTYPE = np.dtype(
    [("step", "<i8"), ("epoch", "<i4"), ("loss", "<f8"), ("lr", "<f8"), ("grad_norm", "<f8")]
)
COLUMNS = ("loss", "lr", "grad_norm")
#: Rows buffered before a chunk is written even without a flush.
CHUNK_ROWS = 65_536


def _chunks(folder: Path) -> list[Path]:
    try:
        names = sorted(p for p in folder.iterdir() if p.suffix == ".npy" and p.stem.isdigit())
    except OSError:
        return []
    return names


def _files(folder: Path) -> list[Path]:
    """Every step file in write order: the merged file first, then the chunks."""
    merged = folder / MERGED
    return ([merged] if merged.is_file() else []) + _chunks(folder)


def _write(path: Path, rows: np.ndarray) -> None:
    from workbench.core.spec.project_file import atomic_write_bytes

    buffer = io.BytesIO()
    np.save(buffer, rows, allow_pickle=False)
    atomic_write_bytes(path, buffer.getvalue())


class StepWriter:
    """Appends steps of one run (``append`` is ~1 µs: one row into a preallocated array)."""

    def __init__(self, run_dir: str | os.PathLike[str]) -> None:
        self.folder = Path(run_dir) / STEPS_DIR
        self.folder.mkdir(exist_ok=True)
        chunks = _chunks(self.folder)
        self._seq = int(chunks[-1].stem) if chunks else 0
        self._rows = np.empty(CHUNK_ROWS, DTYPE)
        self._n = 0

    def append(self, step: int, epoch: int, loss: float, lr: float, grad_norm: float) -> None:
        self._rows[self._n] = (step, epoch, loss, lr, grad_norm)
        self._n += 1
        if self._n == CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the buffered steps as the next chunk (nothing when none are buffered)."""
        if not self._n:
            return
        self._seq += 1
        _write(self.folder / f"{self._seq:06d}.npy", self._rows[: self._n])
        self._n = 0

    def close(self) -> None:
        """Flush, then merge the chunks into ``steps.npy`` (one file per finished run)."""
        self.flush()
        files = _files(self.folder)
        if len(files) > 1 or (files and files[0].name != MERGED):
            _write(self.folder / MERGED, _load(files))
            for path in files:
                if path.name != MERGED:
                    path.unlink(missing_ok=True)
            self._seq = 0


def _load(files: list[Path]) -> np.ndarray:
    parts = []
    for path in files:
        try:
            parts.append(np.load(path, mmap_mode="r", allow_pickle=False))
        except (OSError, ValueError):
            continue  # a chunk being replaced right now: the next read has it
    if not parts:
        return np.empty(0, DTYPE)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def has_steps(run_dir: str | os.PathLike[str]) -> bool:
    return bool(_files(Path(run_dir) / STEPS_DIR))


def read_step_rows(run_dir: str | os.PathLike[str]) -> np.ndarray:
    """All logged steps (structured array, by step, each step once: its last value)."""
    rows = _load(_files(Path(run_dir) / STEPS_DIR))
    steps = rows["step"]
    if len(steps) > 1 and not bool(np.all(steps[1:] > steps[:-1])):
        # Written twice after a resume, or out of order: keep the last of each step.
        _, last_first = np.unique(steps[::-1], return_index=True)
        rows = rows[len(steps) - 1 - last_first]
    return rows


def read_steps(run_dir: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """``{"step", "loss", "lr", "grad_norm"}`` as float64 arrays (empty dict: no steps)."""
    rows = read_step_rows(run_dir)
    if not len(rows):
        return {}
    return {n: np.ascontiguousarray(rows[n], dtype=np.float64) for n in ("step", *COLUMNS)}


def truncate_steps(run_dir: str | os.PathLike[str], step: int) -> int:
    """Drop steps after ``step`` (the checkpoint) from every file; returns how many."""
    cut = 0
    for path in _files(Path(run_dir) / STEPS_DIR):
        try:
            rows = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            path.unlink(missing_ok=True)  # a torn chunk: its steps are trained again
            continue
        keep = rows["step"] <= step
        if bool(keep.all()):
            continue
        cut += int((~keep).sum())
        if keep.any():
            _write(path, rows[keep])
        else:
            path.unlink()
    return cut
