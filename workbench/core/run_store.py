"""Where runs live, what they are called, and the user's notes on them (Qt-free, torch-free).

Location rules (the same for the CLI and the app, whatever the current folder):

- a saved project ``…/forecast.json`` keeps its runs beside it in ``…/forecast.runs/``;
- a built-in example ``example:NAME`` keeps them in ``<user data>/runs/examples/NAME``;
- an unsaved project keeps them in ``<user data>/runs/unsaved/<id>`` until its first save,
  when they move into the new ``<project>.runs/`` (``move_runs``);
- ``--run-dir`` still puts one run exactly where it says; old ``./runs`` folders stay readable
  (``legacy_roots``) and every command that takes a run folder takes theirs.

``<user data>`` is platformdirs' per-user data folder, or ``$WORKBENCH_RUNS_DIR``'s parent
folder when that is set (tests and scripts use it to keep runs out of the user's folder).

Each run folder gets a ``meta.json`` beside what the trainer writes: its readable name
(``lstm-64 lr 1e-3 #3``), its number in the store, notes, tags, a star, and for sweep trials
the sweep and trial number. Folders are numbered (``0003-lstm-64-lr-1e-3``) and claimed with an
exclusive ``mkdir``, so two processes of one sweep never take the same number.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.runs import RUNS_ENV
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import EXAMPLE_PREFIX, atomic_write_bytes

META = "meta.json"
TRASH = ".trash"
APP_DIR = "sequence-workbench"
#: Status values of a run that a process may still be writing.
ACTIVE_STATUSES = ("preparing", "running", "paused", "stopping")


# ---- locations ------------------------------------------------------------------------------
def user_runs_root() -> Path:
    """``<user data>/runs``: examples' and unsaved projects' runs (``$WORKBENCH_RUNS_DIR`` wins)."""
    env = os.environ.get(RUNS_ENV)
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_data_path(APP_DIR, appauthor=False) / "runs"


def project_runs_dir(project_file: str | os.PathLike[str]) -> Path:
    """``<folder>/<stem>.runs`` beside a saved project file."""
    path = Path(project_file).resolve()
    return path.with_name(f"{path.stem}.runs")


def runs_dir_for(ref: str | os.PathLike[str] | None, unsaved_id: str = "") -> Path:
    """The run store of a project: a file path, ``example:NAME``, or None (unsaved)."""
    if ref is None:
        return user_runs_root() / "unsaved" / (_safe(unsaved_id) or "untitled")
    text = str(ref)
    if text.startswith(EXAMPLE_PREFIX):
        return user_runs_root() / "examples" / _safe(text[len(EXAMPLE_PREFIX) :])
    return project_runs_dir(text)


def legacy_roots(ref: str | os.PathLike[str] | None) -> list[Path]:
    """Where runs went before run stores existed (``./runs``, also beside the project)."""
    roots = [Path.cwd() / "runs"]
    if ref is not None and not str(ref).startswith(EXAMPLE_PREFIX):
        roots.append(Path(ref).resolve().parent / "runs")
    unique: list[Path] = []
    for root in roots:
        if root.resolve() not in [r.resolve() for r in unique]:
            unique.append(root)
    return unique


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")


# ---- names ----------------------------------------------------------------------------------
def format_lr(lr: float) -> str:
    """``0.001`` → ``1e-3``, ``0.0003`` → ``3e-4``, ``0.0015`` → ``1.5e-3``."""
    text = f"{lr:.2g}"
    if "e" not in text:
        text = f"{lr:.1e}"
    mantissa, exponent = text.split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def describe_spec(spec: ProjectSpec) -> str:
    """The settings people tell runs apart by: ``lstm-64 lr 1e-3`` (``gru-32x2`` for 2 layers)."""
    layers = [
        f"{layer.type}-{getattr(layer, 'hidden_size', '')}".rstrip("-")
        for layer in spec.model.layers
    ]
    if layers and all(x == layers[0] for x in layers) and len(layers) > 1:
        model = f"{layers[0]}x{len(layers)}"
    else:
        model = "+".join(layers) or "model"
    return f"{model} lr {format_lr(spec.train.optimizer.lr)}"


# ---- meta -----------------------------------------------------------------------------------
@dataclass
class RunMeta:
    """The user's side of a run: name, notes, tags, star; sweep and trial for sweep runs."""

    name: str = ""
    number: int = 0
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    starred: bool = False
    project_file: str | None = None
    sweep: str | None = None
    trial: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunMeta:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        meta = cls(**known)
        meta.tags = [str(t) for t in meta.tags] if isinstance(meta.tags, list) else []
        return meta


def read_meta(run_dir: str | os.PathLike[str]) -> RunMeta:
    """A run's meta; a run without one (an old folder) is named after its folder."""
    path = Path(run_dir)
    try:
        data = json.loads((path / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict):
        return RunMeta(name=path.name)
    meta = RunMeta.from_dict(data)
    meta.name = meta.name or path.name
    return meta


def write_meta(run_dir: str | os.PathLike[str], meta: RunMeta) -> None:
    payload = json.dumps(meta.to_dict(), indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(Path(run_dir) / META, payload.encode("utf-8"))


def update_meta(run_dir: str | os.PathLike[str], **changes: Any) -> RunMeta:
    """Change some fields of a run's meta (``name``, ``notes``, ``tags``, ``starred``…)."""
    run = open_run_folder(run_dir)
    meta = read_meta(run)
    for key, value in changes.items():
        if key not in RunMeta.__dataclass_fields__:
            raise WorkbenchError(f"unknown run field {key!r}")
        setattr(meta, key, value)
    if not meta.name.strip():
        raise WorkbenchError("a run's name cannot be empty", "give it a few words")
    write_meta(run, meta)
    return meta


# ---- creating -------------------------------------------------------------------------------
def new_run_dir(
    root: str | os.PathLike[str],
    spec: ProjectSpec,
    project_file: str | os.PathLike[str] | None = None,
    name: str | None = None,
    tags: list[str] | None = None,
    sweep: str | None = None,
    trial: int | None = None,
) -> Path:
    """Claim the next numbered folder in ``root`` and write its meta; the trainer fills it."""
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbenchError(
            f"{root}: cannot create the runs folder ({exc.strerror or exc})"
        ) from None
    described = describe_spec(spec)
    slug = _safe(described.replace(" ", "-")) or "run"
    number = _next_number(root)
    while True:
        path = root / f"{number:04d}-{slug}"
        try:
            path.mkdir()
            break
        except FileExistsError:
            number += 1
    meta = RunMeta(
        name=name or f"{described} #{number}",
        number=number,
        tags=list(tags or []),
        project_file=str(Path(project_file).resolve()) if project_file else None,
        sweep=sweep,
        trial=trial,
    )
    write_meta(path, meta)
    return path


def _next_number(root: Path) -> int:
    highest = 0
    for entry in _entries(root):
        head = entry.name.split("-", 1)[0]
        if head.isdigit():
            highest = max(highest, int(head))
    return highest + 1


def _entries(root: Path) -> list[Path]:
    try:
        return [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []


# ---- reading --------------------------------------------------------------------------------
def is_run_folder(path: Path) -> bool:
    return (path / "project.json").is_file() or (path / META).is_file()


def open_run_folder(path: str | os.PathLike[str]) -> Path:
    """``path`` when it is a run folder, else a ``WorkbenchError`` that says what it is."""
    run = Path(path)
    if not run.is_dir():
        raise WorkbenchError(
            f"{run}: no such run folder", "`workbench runs list PROJECT` shows them"
        )
    if not is_run_folder(run):
        raise WorkbenchError(
            f"{run}: not a run folder (no project.json)", "give a folder a run wrote"
        )
    return run


def run_folders(root: str | os.PathLike[str]) -> list[Path]:
    """The run folders directly inside ``root`` (not the trash), in name order."""
    return sorted(p for p in _entries(Path(root)) if is_run_folder(p))


def find_run(ref: str, root: str | os.PathLike[str] | None) -> Path:
    """A run by folder path, or inside ``root`` by number (``3``, ``#3``) or exact name."""
    if root is None or Path(ref).is_dir():
        return open_run_folder(ref)
    wanted = ref.lstrip("#")
    folders = run_folders(root)
    for folder in folders:
        meta = read_meta(folder)
        if (
            (wanted.isdigit() and meta.number == int(wanted))
            or meta.name == ref
            or folder.name == ref
        ):
            return folder
    raise WorkbenchError(
        f"no run {ref!r} in {root}", "`workbench runs list` shows numbers and names"
    )


# ---- moving, deleting -----------------------------------------------------------------------
def move_runs(folders: list[Path], new_root: str | os.PathLike[str]) -> list[Path]:
    """Move run folders into ``new_root`` (an unsaved project's first save); runs still being
    written are left where they are. Returns the new paths of the folders moved."""
    new_root = Path(new_root)
    moved = []
    for folder in folders:
        if not folder.is_dir() or _status(folder) in ACTIVE_STATUSES:
            continue
        new_root.mkdir(parents=True, exist_ok=True)
        target = new_root / folder.name
        if target.exists():
            target = new_root / f"{_next_number(new_root):04d}-{folder.name.split('-', 1)[-1]}"
        shutil.move(str(folder), str(target))
        meta = read_meta(target)
        meta.project_file = None
        write_meta(target, meta)
        moved.append(target)
    return moved


def delete_run(run_dir: str | os.PathLike[str]) -> Path:
    """Move a run into its store's ``.trash`` folder; ``restore_run`` brings it back."""
    run = open_run_folder(run_dir)
    if _status(run) in ACTIVE_STATUSES:
        raise WorkbenchError(f"{run}: this run is still training", "stop it first")
    trash = run.parent / TRASH
    trash.mkdir(exist_ok=True)
    target = trash / run.name
    if target.exists():
        shutil.rmtree(target)
    os.replace(run, target)
    return target


def restore_run(trashed: str | os.PathLike[str]) -> Path:
    """Put a deleted run back in its store."""
    path = Path(trashed)
    if path.parent.name != TRASH:
        path = path.parent / TRASH / path.name
    if not path.is_dir():
        raise WorkbenchError(f"{path}: not in the trash", "only deleted runs can be restored")
    target = path.parent.parent / path.name
    if target.exists():
        raise WorkbenchError(f"{target}: a run of that name is back already")
    os.replace(path, target)
    return target


def _status(run: Path) -> str:
    """The run's status; a live one whose process is gone reads as ``interrupted``."""
    from workbench.core.runs import RunDir

    return str(RunDir(run).read_status().get("status", ""))


def discard_if_unused(run_dir: str | os.PathLike[str]) -> None:
    """Remove a claimed run folder that nothing was written to (training failed to start)."""
    path = Path(run_dir)
    try:
        if path.is_dir() and [p.name for p in path.iterdir()] == [META]:
            shutil.rmtree(path)
    except OSError:
        pass
