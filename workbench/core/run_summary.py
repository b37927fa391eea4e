"""One line per run for lists and tables: name, status, duration, final metrics, settings.

Reads only small files and the tail of the metrics log (the ``end`` or last ``epoch`` record is
within its last few kB however long the run was), and keeps each summary in memory keyed by the
size and modification time of those files: listing again (the Runs tab refreshing while a sweep
runs) costs a few ``stat`` calls per run and re-reads only the runs that changed. The settings
are the trained project flattened to ``path → value`` (``model.layers[0].hidden_size``), and
``differing_settings`` picks the paths whose values are not the same in every run shown.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.core.run_store import RunMeta
from workbench.core.runs import LIVE_STATUSES, effective_status

#: Bytes read from the end of a metrics log to find its last epoch / end record.
TAIL_BYTES = 16_384
#: Settings that differ between every run by nature, never worth a column.
_NOISE = ("name", "description", "format_version", "data.normalization_stats")


@dataclass
class RunSummary:
    """What a runs list or table shows of one run."""

    path: Path
    meta: RunMeta
    status: str = "unknown"
    epoch: int = 0
    step: int = 0
    created: str = ""
    updated: str = ""
    project: str = ""
    metrics: dict[str, float] = field(default_factory=dict)  # the final ones
    _settings: dict[str, Any] | None = None
    #: Values derived from the run's files by other readers (e.g. the best epoch), kept as
    #: long as the summary is (it is replaced when one of its files changes).
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key(self) -> str:
        return str(self.path)

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def duration_s(self) -> float | None:
        start, end = _when(self.created), _when(self.updated)
        if start is None or end is None:
            return None
        try:
            return max(0.0, (end - start).total_seconds())
        except TypeError:  # naive vs aware timestamps
            return None

    @property
    def settings(self) -> dict[str, Any]:
        """The trained project, flattened (read on first use)."""
        if self._settings is None:
            self._settings = flatten(_read_json(self.path / "project.json"))
        return self._settings

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_dir": str(self.path),
            **self.meta.to_dict(),
            "status": self.status,
            "epoch": self.epoch,
            "step": self.step,
            "created": self.created,
            "updated": self.updated,
            "duration_s": self.duration_s,
            "project": self.project,
            "metrics": self.metrics,
        }


def summarize(path: str | os.PathLike[str]) -> RunSummary:
    run = Path(path)
    folder = os.fspath(run)
    return _with_live_status(_read_summary(run, _read_json(os.path.join(folder, "status.json"))))


def _read_summary(run: Path, status: dict[str, Any]) -> RunSummary:
    """The summary as the files say (a live status not yet checked against its process)."""
    folder = os.fspath(run)
    info = _read_json(os.path.join(folder, "run.json"))
    meta_data = _read_json(os.path.join(folder, "meta.json"))
    meta = RunMeta.from_dict(meta_data) if meta_data else RunMeta()
    meta.name = meta.name or run.name
    return RunSummary(
        path=run,
        meta=meta,
        # No status yet: the folder is claimed and the run about to start (a sweep's next trial).
        status=str(status.get("status", "starting" if meta_data else "unknown")),
        epoch=int(status.get("epoch") or 0),
        step=int(status.get("step") or 0),
        created=str(info.get("created", "")),
        updated=str(status.get("updated", "")),
        project=str(info.get("project", "")),
        metrics=final_metrics(Path(folder, "metrics.jsonl")),
    )


def _with_live_status(summary: RunSummary) -> RunSummary:
    """A run whose files say it is live but whose process is gone shows as ``interrupted``."""
    if summary.status not in LIVE_STATUSES:
        return summary
    record = effective_status(_read_json(summary.path / "status.json"))
    status = str(record.get("status", "unknown"))
    return summary if status == summary.status else replace(summary, status=status)


#: Files whose (mtime, size) key a cached summary: any write to one of them re-reads the run.
_KEY_FILES = ("meta.json", "project.json", "status.json", "metrics.jsonl", "run.json")
_cache: dict[str, tuple[tuple[Any, ...], RunSummary]] = {}


def _stamp(folder: str) -> tuple[Any, ...] | None:
    """The (mtime, size) of the key files; None when the folder is no run (no meta.json and
    no project.json)."""
    out: list[Any] = []
    for name in _KEY_FILES:
        try:
            st = os.stat(os.path.join(folder, name))
        except OSError:
            out.append(None)
        else:
            out.append((st.st_mtime_ns, st.st_size))
    return None if out[0] is None and out[1] is None else tuple(out)


def _summaries(root: str | os.PathLike[str]) -> list[RunSummary]:
    """Every run of one folder, from the cache where its files did not change."""
    try:
        with os.scandir(str(root)) as entries:
            dirs = sorted(e.path for e in entries if not e.name.startswith(".") and e.is_dir())
    except OSError:
        return []
    found = []
    for folder in dirs:
        stamp = _stamp(folder)
        if stamp is None:
            _cache.pop(folder, None)
            continue
        hit = _cache.get(folder)
        if hit is None or hit[0] != stamp:
            summary = _read_summary(Path(folder), _read_json(os.path.join(folder, "status.json")))
            hit = _cache[folder] = (stamp, summary)
        found.append(_with_live_status(hit[1]))
    return found


def list_summaries(
    root: str | os.PathLike[str], legacy: Sequence[Path] = (), project_name: str = ""
) -> list[RunSummary]:
    """The runs of a store, plus those of old ``./runs`` folders made by ``project_name``;
    newest first. (500 runs: ~0.1 s on an idle machine the first time, a few stat calls per
    run after that.)"""
    found = _summaries(root)
    olds = [o for o in legacy if project_name and Path(o).resolve() != Path(root).resolve()]
    seen = {s.path.resolve() for s in found} if olds else set()
    for old in olds:
        for summary in _summaries(old):
            p = summary.path
            if p.resolve() in seen:
                continue
            if summary.project == project_name and not (p / "meta.json").exists():
                found.append(summary)
    found.sort(key=lambda s: (s.created or s.updated, s.meta.number), reverse=True)
    return found


def final_metrics(metrics_file: Path) -> dict[str, float]:
    """Numbers of the last ``end`` or ``epoch`` record of a metrics log (its tail only)."""
    try:
        with open(metrics_file, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read().splitlines()
    except OSError:
        return {}
    for line in reversed(tail):
        if b'"epoch"' not in line and b'"end"' not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("type") in ("end", "epoch"):
            return {
                k: float(v)
                for k, v in record.items()
                if isinstance(v, int | float) and not isinstance(v, bool) and k != "step"
            }
    return {}


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """``{"model": {"layers": [{"hidden_size": 64}]}}`` → ``{"model.layers[0].hidden_size": 64}``."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix] = data
    return out


def differing_settings(runs: list[RunSummary]) -> list[str]:
    """Setting paths whose value is not the same in all ``runs`` (a missing one counts)."""
    # A run whose folder was just claimed has no settings yet: it differs in nothing (else a
    # sweep's starting trial made every setting a column for a moment).
    runs = [r for r in runs if r.settings]
    if len(runs) < 2:
        return []
    keys: dict[str, None] = {}
    for run in runs:
        keys.update(dict.fromkeys(run.settings))
    missing = object()
    differ = []
    for key in keys:
        if key.startswith(_NOISE):
            continue
        values = [json.dumps(r.settings.get(key, missing), default=str) for r in runs]
        if len(set(values)) > 1:
            differ.append(key)
    return differ


def settings_diff(a: RunSummary, b: RunSummary) -> list[tuple[str, Any, Any]]:
    """Every setting that differs between two runs: ``(path, value in a, value in b)``."""
    keys = list(dict.fromkeys([*a.settings, *b.settings]))
    return [
        (k, a.settings.get(k), b.settings.get(k))
        for k in keys
        if a.settings.get(k) != b.settings.get(k) and k != "format_version"
    ]


def format_duration(seconds: float | None) -> str:
    """``75.2`` → ``1:15``, ``3725`` → ``1:02:05``; empty when unknown."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _read_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


#: Final metrics shown first in a table, when runs have them; others follow by name.
METRIC_ORDER = ("val_loss", "val_accuracy", "test_loss", "test_accuracy", "train_loss")
#: Metrics never worth a column (the schedule's lr is a setting; speed is on the plots).
_METRIC_SKIP = ("lr", "best_epoch", "samples_per_s")


@dataclass(frozen=True)
class Column:
    """A column of a runs table: ``kind`` is ``run`` (name, status…), ``metric`` or ``setting``."""

    key: str
    header: str
    kind: str
    hidden: bool = False  # shown only when picked in the column chooser

    def value(self, run: RunSummary) -> Any:
        if self.kind == "metric":
            return run.metrics.get(self.key)
        if self.kind == "setting":
            return run.settings.get(self.key)
        return {
            "starred": "★" if run.meta.starred else "",
            "name": run.name,
            "status": "pruned" if "pruned" in run.meta.tags else run.status,
            "duration": run.duration_s,
            "epoch": run.epoch,
            "tags": ", ".join(run.meta.tags),
            "notes": run.meta.notes,
        }[self.key]


RUN_COLUMNS = (
    Column("starred", "★", "run"),
    Column("name", "Run", "run"),
    Column("status", "Status", "run"),
    Column("duration", "Duration", "run"),
    Column("epoch", "Epochs", "run"),
)


def table_columns(runs: list[RunSummary]) -> list[Column]:
    """Run columns, the main final metrics, only the settings that differ, tags and notes;
    other metrics the runs have come last, hidden until picked."""
    names: dict[str, None] = {}
    for run in runs:
        names.update(dict.fromkeys(k for k in run.metrics if k not in _METRIC_SKIP))
    ordered = [m for m in METRIC_ORDER if m in names] + sorted(set(names) - set(METRIC_ORDER))
    columns = list(RUN_COLUMNS)
    columns += [Column(m, m, "metric") for m in ordered if m in METRIC_ORDER]
    columns += [Column(s, setting_header(s), "setting") for s in differing_settings(runs)]
    columns += [Column("tags", "Tags", "run"), Column("notes", "Notes", "run")]
    # Baselines, timings and the like: in the column chooser, off until picked.
    columns += [Column(m, m, "metric", hidden=True) for m in ordered if m not in METRIC_ORDER]
    return columns


def setting_header(path: str) -> str:
    """``model.layers[0].hidden_size`` → ``layers[0] hidden_size``; ``train.optimizer.lr`` → ``lr``."""
    parts = path.split(".")
    if len(parts) >= 2 and "[" in parts[-2]:
        return f"{parts[-2]} {parts[-1]}"
    return parts[-1]
