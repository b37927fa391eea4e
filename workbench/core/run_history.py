"""The run store's reader: past runs of a project for the runs list, and their curves.

It reads what ``runs.py`` writes (the metrics-log format is documented there, versioned by
``LOG_FORMAT_VERSION``). Torch-free, so the GUI can list runs without importing torch.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core import runs as run_store
from workbench.core.run_summary import format_duration, list_summaries

STEP_COLUMNS = ("loss", "lr", "grad_norm", "samples_per_s")


@dataclass
class RunRow:
    key: str  # the run folder, as a string: stable id and colour seed
    name: str
    status: str
    best: str  # e.g. "val_accuracy 0.912"
    duration_s: float | None


def _epoch_metrics(record: dict[str, Any]) -> dict[str, float]:
    metrics = record.get("metrics")
    if not isinstance(metrics, dict):
        metrics = {k: v for k, v in record.items() if k not in ("type", "epoch", "time", "step")}
    out = {}
    for name, value in metrics.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value)
        elif value is None:
            out[name] = float("nan")
    return out


def best_metric(epochs: list[dict[str, float]]) -> str:
    """The watched-looking metric at its best: accuracy-like max, loss-like min."""
    if not epochs:
        return ""
    names = set().union(*epochs)
    for name, pick in (("val_accuracy", max), ("val_loss", min), ("train_loss", min)):
        if name in names:
            values = [e[name] for e in epochs if name in e and e[name] == e[name]]
            if values:
                return f"{name} {pick(values):.4g}"
    return ""


_EPOCHS_CACHE: dict[Path, tuple[tuple[int, int], list[dict[str, float]]]] = {}


def epoch_records(metrics_file: Path) -> list[dict[str, float]]:
    """The epoch metrics of a run's log. Only epoch lines are parsed (a long run has a million
    step lines), and a log that has not changed since the last call is not read again."""
    try:
        stat = metrics_file.stat()
    except OSError:
        return []
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _EPOCHS_CACHE.get(metrics_file)
    if cached is not None and cached[0] == key:
        return cached[1]
    found = []
    epoch_prefix = run_store.record_prefix("epoch")
    try:
        with open(metrics_file, "rb") as handle:
            for line in handle:
                # Only epoch lines are parsed (the format puts the type first); half a line is
                # still being written and is skipped.
                if line.startswith(epoch_prefix) and line.endswith(b"\n"):
                    try:
                        found.append(_epoch_metrics(json.loads(line)))
                    except ValueError:
                        continue
    except OSError:
        return []
    _EPOCHS_CACHE[metrics_file] = (key, found)
    return found


def list_project_runs(
    root: Path, legacy: Sequence[Path] = (), project_name: str = ""
) -> list[RunRow]:
    """The runs of a project's store (and its old ``./runs`` ones), newest first."""
    rows = []
    for summary in list_summaries(root, legacy, project_name):
        if "best" not in summary.memo:  # the summary is read anew when its log grows
            summary.memo["best"] = best_metric(epoch_records(summary.path / "metrics.jsonl"))
        rows.append(
            RunRow(
                summary.key, summary.name, summary.status, summary.memo["best"], summary.duration_s
            )
        )
    return rows


def load_run_curves(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(per-step columns incl. 'step', per-epoch columns incl. 'epoch') of a run's metrics log."""
    from workbench.core.step_store import has_steps, read_steps

    run = run_store.RunDir(Path(path))
    if has_steps(run.path):
        steps = read_steps(run.path)
        step_records = []
    else:  # a run from before the step arrays: its steps are lines of the log
        step_records = run.read_metrics("step")
        steps = {}
    if step_records:
        steps["step"] = np.array([float(r.get("step", i + 1)) for i, r in enumerate(step_records)])
        for col in STEP_COLUMNS:
            if any(col in r for r in step_records):
                steps[col] = np.array(
                    [np.nan if r.get(col) is None else float(r[col]) for r in step_records]
                )
    epoch_records = run.read_metrics("epoch")
    epochs: dict[str, np.ndarray] = {}
    if epoch_records:
        metrics = [_epoch_metrics(r) for r in epoch_records]
        epochs["epoch"] = np.array(
            [float(r.get("epoch", i + 1)) for i, r in enumerate(epoch_records)]
        )
        for name in sorted(set().union(*metrics)):
            epochs[name] = np.array([m.get(name, np.nan) for m in metrics])
    return steps, epochs


__all__ = [
    "RunRow",
    "best_metric",
    "epoch_records",
    "format_duration",
    "list_project_runs",
    "load_run_curves",
]
