"""Run directories: layout, the append-only metrics log, the status file, listing.

::

    <run>/project.json        the project spec as trained (model input/head synced to the data,
                              normalization stats filled in)
    <run>/run.json            where the data's relative paths start, device, seed, created
    <run>/status.json         status, message, epoch, step, updated (rewritten atomically)
    <run>/metrics.jsonl       one JSON object per line, append-only, readable while training
                              (the line format is below; ``run_history.py`` reads it)
    <run>/steps/              per-step records as NumPy arrays (``step_store.py``); runs
                              written before it have ``step`` lines in metrics.jsonl instead
    <run>/checkpoints/last.safetensors   the resume point (weights + full training state)
    <run>/checkpoints/best.safetensors   weights with the best watched metric
    <run>/stop.request        (several processes) a stop asked for by the app; rank 0 removes it
    <run>/rank<R>.error.json  (several processes) the error of a failed process, for rank 0

The metrics log, format version ``LOG_FORMAT_VERSION`` (1): UTF-8 JSON lines, each ending in
``\n`` (a line without one is still being written: readers skip it). Every record is an object
whose FIRST key is ``"type"``, written as ``{"type": "<kind>",`` (so a reader may pick kinds by
``line.startswith(record_prefix(kind))`` without parsing); NaN and ±inf are written as ``null``.
Kinds: ``format`` (first line of a new log: ``version``), ``start`` / ``resume`` (``step``,
``epoch``, ``device``, ``steps_per_epoch``), ``step`` (``step``, ``epoch``, ``loss``, ``lr``,
``grad_norm``), ``epoch`` (``epoch``, ``step`` and metric name → value), ``lr`` (a hand-set
rate), ``note``, ``status``, ``end``. Readers ignore kinds and keys they do not know; logs
written before the ``format`` line existed are version 1 too.

Torch-free, so the GUI can list runs without importing torch.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.core.errors import TrainingError, WorkbenchError
from workbench.core.files import is_regular
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import atomic_write_bytes, project_to_json

RUNS_ENV = "WORKBENCH_RUNS_DIR"
#: A stop request for a run on several processes (the app creates it; rank 0 consumes it).
#: It may be there before the run starts: a stop asked for while the processes start up.
STOP_REQUEST = "stop.request"
#: Version of the metrics-log line format (see the module docstring).
LOG_FORMAT_VERSION = 1
#: Seconds between forced flushes of the metrics log (it is also flushed every epoch).
FLUSH_EVERY_S = 2.0


def runs_root() -> Path:
    """``$WORKBENCH_RUNS_DIR`` when set, else ``./runs``."""
    env = os.environ.get(RUNS_ENV)
    return Path(env) if env else Path.cwd() / "runs"


def default_run_dir(project_name: str, root: Path | None = None) -> Path:
    """``<root>/<project-name>-<YYYYmmdd-HHMMSS>`` (with ``-2``, ``-3``… when taken)."""
    root = runs_root() if root is None else Path(root)
    # At most 80 characters: a long project name must not make a folder name over the file
    # system's 255-byte limit (the stamp and a counter are added to it).
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", project_name)[:80].strip("-.") or "run"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = root / f"{safe}-{stamp}", 2
    while path.exists():
        path, n = root / f"{safe}-{stamp}-{n}", n + 1
    return path


def _json_value(value: Any) -> Any:
    """Floats that JSON cannot hold (NaN, ±inf) become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _num(value: float) -> str:
    # repr of a float is valid JSON (shortest round-trip form) except for NaN / inf.
    return repr(float(value)) if math.isfinite(value) else "null"


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(_ordered(record), allow_nan=False)


def _ordered(record: dict[str, Any]) -> dict[str, Any]:
    """``type`` first (the format promises it), values JSON can hold."""
    out = {"type": record["type"]} if "type" in record else {}
    out.update((k, _json_value(v)) for k, v in record.items())
    return out


def record_prefix(kind: str) -> bytes:
    """How every line of ``kind`` begins in a metrics log (the format guarantees it)."""
    return b'{"type": ' + json.dumps(kind).encode() + b","  # every record has more keys


class MetricsLog:
    """Append-only JSON-lines file. Flushed on ``flush()`` and whenever the last flush is older
    than ``FLUSH_EVERY_S`` (checked on write), so a reader sees fresh lines while training runs."""

    def __init__(self, path: Path) -> None:
        from workbench.core.step_store import StepWriter

        self.path = path
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the run
        self._steps = StepWriter(Path(path).parent)  # per-step records: arrays, not lines
        self._last_flush = time.monotonic()
        if self._file.tell() == 0:  # a new log says which format it is written in
            self._file.write(_dumps({"type": "format", "version": LOG_FORMAT_VERSION}) + "\n")

    def write(self, record: dict[str, Any]) -> None:
        try:
            line = _dumps(record)
        except (TypeError, ValueError):
            line = json.dumps(_ordered(record), default=str)
        with self._os_errors():
            self._file.write(line + "\n")
            now = time.monotonic()
            if now - self._last_flush > FLUSH_EVERY_S:
                self._file.flush()
                self._last_flush = now

    @contextlib.contextmanager
    def _os_errors(self) -> Iterator[None]:
        """A full disk or a vanished folder: one clear error (the last checkpoint stays)."""
        try:
            yield
        except OSError as exc:
            raise TrainingError(
                f"{self.path}: cannot write the metrics log ({exc.strerror or exc})",
                "free some disk space or check the run folder; the last checkpoint is kept "
                "(continue with `workbench resume`)",
            ) from None

    def write_step(self, step: int, epoch: int, loss: float, lr: float, grad_norm: float) -> None:
        """The per-step record, into the run's step arrays (``core.step_store``): a 1M-step
        run is 36 MB of arrays there, where it was 121 MB of JSON lines in this log."""
        self._steps.append(step, epoch, loss, lr, grad_norm)
        now = time.monotonic()
        if now - self._last_flush > FLUSH_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if not self._file.closed:
            with self._os_errors():
                self._file.flush()
                self._steps.flush()
            self._last_flush = time.monotonic()

    def close(self) -> None:
        """Flush, fsync and close. On this clean-up path an OS error is not raised again: the
        run already reported it (a full disk), or another error is on its way."""
        if not self._file.closed:
            with contextlib.suppress(OSError):
                self._file.flush()
                os.fsync(self._file.fileno())
            with contextlib.suppress(OSError):
                self._file.close()
            with contextlib.suppress(OSError):
                self._steps.close()


class RunDir:
    """One run's folder. ``RunDir.create`` for a new run, ``RunDir.open`` for an existing one."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    # ---- layout ---------------------------------------------------------------------------
    @property
    def project_file(self) -> Path:
        return self.path / "project.json"

    @property
    def run_file(self) -> Path:
        return self.path / "run.json"

    @property
    def status_file(self) -> Path:
        return self.path / "status.json"

    @property
    def metrics_file(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoints / "last.safetensors"

    @property
    def best_checkpoint(self) -> Path:
        return self.checkpoints / "best.safetensors"

    # ---- creating / opening ---------------------------------------------------------------
    @classmethod
    def create(cls, path: Path) -> RunDir:
        path = Path(path)
        # A run store claims the folder first and leaves only its meta.json in it; a stop
        # request may come while the processes of a multi-process run start.
        try:
            taken = path.exists() and (
                not path.is_dir()
                or any(p.name not in ("meta.json", STOP_REQUEST) for p in path.iterdir())
            )
        except OSError as exc:  # a name over 255 bytes, a folder that cannot be read, …
            raise TrainingError(
                f"{path}: cannot use this run folder ({exc.strerror or exc})",
                "pick another --run-dir (shorter names, a folder you can write to)",
            ) from None
        if taken:
            from workbench.core.runlock import holder

            who = holder(path) if path.is_dir() else None
            raise TrainingError(
                f"{path}: already exists and is not empty"
                + (f"; it is in use by {who}" if who else ""),
                "pick a new --run-dir, or continue that run with `workbench resume`",
            )
        try:
            (path / "checkpoints").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TrainingError(
                f"{path}: cannot create the run folder ({exc.strerror or exc})"
            ) from None
        return cls(path)

    @classmethod
    def open(cls, path: Path) -> RunDir:
        run = cls(Path(path))
        if not run.path.is_dir():
            raise WorkbenchError(
                f"{path}: no such run folder", "give the folder a training run wrote"
            )
        if not run.project_file.is_file():
            raise WorkbenchError(
                f"{path}: not a run folder (no project.json)",
                "give the folder a training run wrote",
            )
        return run

    # ---- contents -------------------------------------------------------------------------
    def write_project(self, spec: ProjectSpec) -> None:
        atomic_write_bytes(self.project_file, project_to_json(spec).encode("utf-8"))

    def read_project(self) -> ProjectSpec:
        from workbench.core.spec.project_file import load_project

        spec, _ = load_project(self.project_file)
        return spec

    def write_info(self, info: dict[str, Any]) -> None:
        atomic_write_bytes(self.run_file, (json.dumps(info, indent=2) + "\n").encode("utf-8"))

    def read_info(self) -> dict[str, Any]:
        return _read_json(self.run_file)

    def write_status(self, status: str, **fields: Any) -> None:
        record = {
            "status": status,
            **fields,
            "updated": datetime.now(UTC).isoformat(),
            "pid": os.getpid(),  # so a reader can tell a live run from a crashed one
            "host": socket.gethostname(),
        }
        try:
            replace_file(self.status_file, (_dumps(record) + "\n").encode("utf-8"))
        except OSError as exc:
            raise TrainingError(
                f"{self.status_file}: cannot write the run's status ({exc.strerror or exc})",
                "free some disk space or check the run folder; the last checkpoint is kept",
            ) from None

    def read_status(self) -> dict[str, Any]:
        """The status record; a run whose owning process is gone while it said ``running``
        (or ``preparing`` / ``paused``) reads as ``interrupted``, its last word kept as
        ``last_status``."""
        return effective_status(_read_json(self.status_file))

    def open_log(self) -> MetricsLog:
        return MetricsLog(self.metrics_file)

    def read_metrics(self, kind: str | None = None) -> list[dict[str, Any]]:
        return read_metrics(self.metrics_file, kind)


def data_base_dir(run: RunDir, spec: ProjectSpec) -> str | None:
    """The folder where the run's relative data paths start (from ``run.json``).

    Without it a relative path would silently start at the current folder — and train on
    whatever file happens to be there — so that is refused."""
    base = run.read_info().get("base_dir")
    if isinstance(base, str) and base:
        return base
    relative = [
        ref
        for ref in (spec.data.source, spec.data.test_source)
        if ref
        and not ref.strip().startswith(("builtin:", "resource:"))
        and not Path(ref.strip()).expanduser().is_absolute()
    ]
    if relative:
        raise TrainingError(
            f"{run.path}: run.json is missing or unreadable, so the relative data path "
            f"{relative[0]!r} has no folder to start from",
            "restore run.json, or make data.source in the run's project.json an absolute path",
        )
    return None


def replace_file(path: Path, payload: bytes) -> None:
    """Atomic for readers (temp file + ``os.replace``) but without an fsync: for small files
    rewritten often, like the status, where a stall on a busy disk costs more than it saves."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise


#: Statuses that claim a live process is working on the run.
LIVE_STATUSES = ("preparing", "running", "paused")


def effective_status(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with a stale live status (its process is gone: SIGKILL, OOM, power loss)
    turned into ``interrupted``. Only a process on this machine can be checked."""
    if record.get("status") not in LIVE_STATUSES or record.get("host") != socket.gethostname():
        return record
    pid = record.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or _alive(pid):
        return record
    return {
        **record,
        "status": "interrupted",
        "last_status": record["status"],
        "message": "the process that ran it ended without a word (killed or crashed); "
        "the last checkpoint is kept: continue with `workbench resume`",
    }


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # signal 0 is CTRL_C_EVENT there: never probe a process that way
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # exists but is not ours, or cannot be asked: do not call it dead
    return True


def _read_json(path: Path) -> dict[str, Any]:
    if not is_regular(path):  # missing, or a FIFO / device that would block the reader
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_metrics(path: Path, kind: str | None = None) -> list[dict[str, Any]]:
    """Records of a metrics log (``kind`` filters on the ``type`` key). A half-written last line
    — the writer is still busy — is skipped, so this is safe to call while training runs.
    ``step`` records come from the step arrays beside the log (as dicts: slow for long runs;
    ``step_store.read_steps`` gives arrays), or from the log lines of an older run."""
    from workbench.core.step_store import has_steps, read_step_rows

    steps: list[dict[str, Any]] = []
    if kind in (None, "step") and has_steps(Path(path).parent):
        rows = read_step_rows(Path(path).parent)
        names = rows.dtype.names or ()
        steps = [
            {"type": "step", **{k: _json_value(v) for k, v in zip(names, row.item())}}
            for row in rows
        ]
        if kind == "step":
            return steps
    records: list[dict[str, Any]] = []
    if not is_regular(path):
        return records
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    break
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if kind is None or record.get("type") == kind:
                    records.append(record)
    except OSError:
        return steps
    return _interleave(records, steps) if steps else records


def _interleave(records: list[dict[str, Any]], steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The log's records with the step records put where their lines used to be: before the
    first record at that step or later (and all before the ``end`` record)."""
    out: list[dict[str, Any]] = []
    i = 0
    for record in records:
        at = record.get("step")
        if record.get("type") == "end":
            at = steps[-1]["step"]
        if isinstance(at, int) and record.get("type") not in ("start", "resume", "format"):
            while i < len(steps) and steps[i]["step"] <= at:
                out.append(steps[i])
                i += 1
        out.append(record)
    return out + steps[i:]


@dataclass(frozen=True)
class RunInfo:
    path: Path
    project: str
    status: str
    epoch: int
    step: int
    updated: str


def list_runs(root: Path | None = None) -> list[RunInfo]:
    """Run folders under ``root`` (default ``runs_root()``), newest first."""
    root = runs_root() if root is None else Path(root)
    found: list[RunInfo] = []
    if not root.is_dir():
        return found
    for path in root.iterdir():
        if not (path / "project.json").is_file():
            continue
        status = effective_status(_read_json(path / "status.json"))
        info = _read_json(path / "run.json")
        found.append(
            RunInfo(
                path=path,
                project=str(info.get("project", path.name)),
                status=str(status.get("status", "unknown")),
                epoch=int(status.get("epoch") or 0),
                step=int(status.get("step") or 0),
                updated=str(status.get("updated", "")),
            )
        )
    found.sort(key=lambda r: r.updated, reverse=True)
    return found
