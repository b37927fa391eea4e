"""Undo commands: every edit of the project spec is one ``SpecCommand`` on the document's stack.

A command keeps the whole spec before and after (specs are small); undo/redo swap them. Edits
that carry the same ``merge_key`` in a row (typing 1-2-8 into a spin box) merge into one step.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from workbench.core.spec.project import ProjectSpec


class SpecCommand(QUndoCommand):
    """One undoable edit: ``apply(spec)`` puts ``before`` (undo) or ``after`` (redo) in place."""

    def __init__(
        self,
        apply: Callable[[ProjectSpec], None],
        before: ProjectSpec,
        after: ProjectSpec,
        text: str,
        merge_key: str | None = None,
    ) -> None:
        super().__init__(text)
        self._apply = apply
        self.before = before
        self.after = after
        self.merge_key = merge_key

    def id(self) -> int:  # noqa: A003 - Qt's name
        if self.merge_key is None:
            return -1
        return zlib.crc32(self.merge_key.encode()) & 0x3FFFFFFF

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, SpecCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)
