"""The open project: the current ``ProjectSpec``, its file, and the undo stack that edits it.

Panels never change the spec in place: they build a changed copy and hand it to ``set_spec``
(or ``set_value`` / ``edit``), which pushes one undoable command. Every change, undo and redo
emits ``changed``; opening another project emits ``spec_replaced`` and clears the history.

Immutability contract (see ``workbench.core.spec.project``): the current spec and every spec
on the undo stack are never changed in place, by the document or anyone else. So they are
shared, not copied: ``set_spec`` takes ownership of the spec it is given, undo / redo swap
references, ``set_value`` copies only the objects on the edited path (``with_path``) and
``edit`` deep-copies once, for its ``mutate`` to work on. An edit made 4 deep copies of the
project before (~6 ms on the example); now ``set_value`` makes none and ``edit`` one.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from workbench.core.errors import Problem
from workbench.core.spec.paths import get_path, with_path
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import load_project_for_editing, save_project
from workbench.gui.undo import SpecCommand


class ProjectDocument(QObject):
    """The open project: its spec, file, undo stack and read-only state, for every panel.

    Every edit goes through ``set_spec`` / ``edit`` as one undoable step; ``changed`` fires after
    each, ``spec_replaced`` when a different project is opened. ``problems()`` lists what keeps
    the project from training (spec problems and data problems, as ``Problem``s).
    """

    changed = Signal()
    spec_replaced = Signal()
    data_loaded = Signal(object)  # the DataSummary, after the data panel (re)loaded
    modified_changed = Signal(bool)
    read_only_changed = Signal(bool)
    runs_root_changed = Signal()  # saved under another file: its runs live elsewhere now

    def __init__(self, spec: ProjectSpec | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._spec = spec if spec is not None else ProjectSpec()
        self._path: Path | None = None
        self._base_dir: Path | None = None
        self._example: str | None = None
        self._read_only = False
        self._problems: list[Problem] | None = None
        self._data_problems: list[Problem] = []
        #: Problems met while reading the open file (those values were reset to defaults).
        self.open_problems: list[Problem] = []
        self.data_summary: Any = None  # the last DataSummary the data panel saw (no tensors)
        # Runs made while the project had no file: they move beside it on its first save.
        self.session_runs: list[Path] = []
        self._unsaved_id = _new_unsaved_id()
        self._undo = QUndoStack(self)
        self._undo.cleanChanged.connect(self._on_clean_changed)

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    # ---- read access --------------------------------------------------------------------
    @property
    def spec(self) -> ProjectSpec:
        """The current spec; treat it as read-only (edit through ``set_spec``)."""
        return self._spec

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def base_dir(self) -> Path | None:
        """Folder that relative data paths are resolved against."""
        return self._base_dir

    @property
    def example(self) -> str | None:
        """``example:NAME`` when the document was opened from a built-in example."""
        return self._example

    def runs_root(self) -> Path:
        """The run store of this project: beside its file, or in the user's data folder."""
        from workbench.core.run_store import runs_dir_for

        return runs_dir_for(self._path or self._example, self._unsaved_id)

    def legacy_runs_roots(self) -> list[Path]:
        """Old ``./runs`` folders that may hold this project's earlier runs."""
        from workbench.core.run_store import legacy_roots

        return legacy_roots(self._path or self._example)

    @property
    def undo_stack(self) -> QUndoStack:
        return self._undo

    @property
    def modified(self) -> bool:
        return not self._undo.isClean()

    @property
    def read_only(self) -> bool:
        """True while a training run uses the spec: the forms must not change it."""
        return self._read_only

    def set_read_only(self, value: bool) -> None:
        if value != self._read_only:
            self._read_only = value
            self.read_only_changed.emit(value)

    @property
    def display_name(self) -> str:
        if self._path is not None:
            return self._path.name
        return self._spec.name or "untitled"

    def problems(self) -> list[Problem]:
        """Every problem of the current spec and of its data, by path (empty: ready to train)."""
        # Every form asks after each edit; checking the spec takes a few ms, so cache it.
        if self._problems is None:
            self._problems = self._spec.problems()
        return self._problems + self._data_problems

    def set_data_problems(self, problems: list[Problem]) -> None:
        """What the last data load found wrong (the data panel sets it; empty when it loaded
        fine): a problem like any spec problem, so Train waits until it is fixed."""
        found = [Problem.of(p) for p in problems]  # "path: message" texts become Problems
        if found != self._data_problems:
            self._data_problems = found
            self.changed.emit()

    # ---- undo / redo: refused while a run trains (the forms show its spec) ----------------
    def undo(self) -> None:
        if not self._read_only:
            self._undo.undo()

    def redo(self) -> None:
        if not self._read_only:
            self._undo.redo()

    def value(self, path: str) -> Any:
        return get_path(self._spec, path)

    # ---- edits ----------------------------------------------------------------------------
    def set_spec(self, new_spec: ProjectSpec, text: str, merge_key: str | None = None) -> None:
        """Make ``new_spec`` current as one undoable step called ``text``. The document owns
        ``new_spec`` from now on: the caller must not change it afterwards."""
        if new_spec == self._spec:
            return
        self._undo.push(SpecCommand(self._apply, self._spec, new_spec, text, merge_key))

    def set_value(self, path: str, value: Any, text: str | None = None) -> None:
        """Change one field, e.g. ``set_value('model.layers[0].hidden_size', 128)``."""
        if get_path(self._spec, path) == value:
            return
        label = text or f"Set {path.rsplit('.', 1)[-1].replace('_', ' ')}"
        self.set_spec(with_path(self._spec, path, value), label, merge_key=path)

    def edit(self, text: str, mutate: Callable[[ProjectSpec], None]) -> None:
        """Apply ``mutate`` to a copy of the spec and push the result as one step."""
        new = copy.deepcopy(self._spec)
        mutate(new)
        self.set_spec(new, text)

    def _apply(self, spec: ProjectSpec) -> None:
        # Called by SpecCommand.redo/undo: the stack's spec becomes current as it is (shared,
        # never changed in place: no copy needed).
        self._spec = spec
        self._problems = None
        self.changed.emit()

    # ---- whole projects -----------------------------------------------------------------
    def replace(
        self,
        spec: ProjectSpec,
        path: Path | None = None,
        base_dir: Path | None = None,
        example: str | None = None,
    ) -> None:
        """Make ``spec`` the open project (New / Open); clears the undo history."""
        self._spec = copy.deepcopy(spec)
        self._problems = None
        self._path = Path(path) if path is not None else None
        self._base_dir = Path(base_dir) if base_dir is not None else None
        self._example = example
        self._data_problems = []
        self.open_problems = []
        self.data_summary = None
        self.session_runs = []
        self._unsaved_id = _new_unsaved_id()
        self._undo.clear()
        self._undo.setClean()
        self.spec_replaced.emit()
        self.changed.emit()
        self.modified_changed.emit(False)

    def open(self, ref: str | os.PathLike) -> None:
        """Load a project file or ``example:NAME``; raises ``WorkbenchError`` and leaves the
        current project untouched when nothing usable can be read. Invalid values open (flagged
        by ``problems()``); values that could not be read are listed in ``open_problems``."""
        spec, base_dir, read_problems = load_project_for_editing(ref)
        text = str(ref)
        if text.startswith("example:"):
            self.replace(spec, None, base_dir, example=text)
        else:
            self.replace(spec, Path(ref).resolve(), base_dir)
        self.open_problems = read_problems

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the spec as JSON (atomically), problems and all: they are flagged when it opens
        again, and saving work in progress must never be refused."""
        target = Path(path) if path is not None else self._path
        if target is None:
            raise ValueError("save() needs a path for a project that was never saved")
        target = target.resolve()
        spec = self._spec
        if self._base_dir is not None and target.parent != self._base_dir:
            spec = _rebase_source(spec, self._base_dir, target.parent)
            if spec is not self._spec:
                self._spec = spec
                self._problems = None
                self.changed.emit()
        save_project(spec, target, check=False)
        first_save, moved = self._path is None, self._path != target
        self._path = target
        self._base_dir = target.parent
        self._example = None
        if first_save and self.session_runs:
            from workbench.core.run_store import move_runs

            move_runs(self.session_runs, self.runs_root())
            self.session_runs = []
        if moved:
            self.runs_root_changed.emit()
        self._undo.setClean()
        self.modified_changed.emit(False)
        return target


def _new_unsaved_id() -> str:
    return uuid.uuid4().hex[:12]


def _rebase_source(spec: ProjectSpec, old_dir: Path, new_dir: Path) -> ProjectSpec:
    """Keep a relative data path pointing at the same file when the project moves folders."""
    changed = spec
    for field in ("source", "test_source"):
        value = getattr(changed.data, field)
        if not value or ":" in value.split("/")[0] or os.path.isabs(value):
            continue  # builtin:/resource: sources and absolute paths need no change
        absolute = (old_dir / value).resolve()
        try:
            relative = os.path.relpath(absolute, new_dir)
        except ValueError:  # another drive on Windows
            relative = str(absolute)
        changed = with_path(changed, f"data.{field}", relative)
    return changed
