"""Errors meant for users: a message in plain words plus a hint on what to do.

Anything that is not a ``WorkbenchError`` is a bug in the workbench. The CLI prints a
``WorkbenchError`` as one ``error: …`` line and exits 2; the GUI shows it in a dialog.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Problem(str):
    """One problem of a spec: ``path`` names the place (``model.layers[1].dropout``, empty when
    it has none) and ``message`` says what is wrong. It IS its text, ``"path: message"`` (a
    ``str``), so messages, logs and JSON output read as before; views use the two parts.

    Example: ``Problem("train.epochs", "must be ≥ 1 (got 0)")``
    """

    path: str
    message: str

    def __new__(cls, path: str, message: str) -> Problem:
        self = super().__new__(cls, f"{path}: {message}" if path else message)
        self.path, self.message = path, message
        return self

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]  # copy / pickle
        return (self.path, self.message)

    @classmethod
    def of(cls, problem: Any) -> Problem:
        """A ``Problem`` from one, or from a ``"path: message"`` text (older check methods)."""
        if isinstance(problem, Problem):
            return problem
        text = str(problem)
        head, sep, rest = text.partition(": ")
        if sep and head and " " not in head:
            return cls(head, rest)
        return cls("", text)


class WorkbenchError(Exception):
    """A problem the user can fix: bad file, bad spec, bad option."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def one_line(self) -> str:
        """The message as a single line, for `error: …` on the command line."""
        return " ".join(str(self).split())


class SpecError(WorkbenchError):
    """A project/model/data/training spec with one or more problems, each named by path."""

    def __init__(self, problems: Sequence[str], source: str = "", hint: str = "") -> None:
        self.problems: list[Problem] = [Problem.of(p) for p in problems]
        self.source = source
        where = f"{source}: " if source else ""
        count = len(self.problems)
        head = f"{where}{count} problem{'s' if count != 1 else ''} in spec"
        super().__init__(f"{head}: " + "; ".join(self.problems), hint)


class DataError(WorkbenchError):
    """A data file or data option the loader cannot use; the message names the file and place."""


class TrainingError(WorkbenchError):
    """A training run that cannot start or continue for a reason the user can fix."""
