"""Errors meant for users: a message in plain words plus a hint on what to do.

Anything that is not a ``WorkbenchError`` is a bug in the workbench. The CLI prints a
``WorkbenchError`` as one ``error: …`` line and exits 2; the GUI shows it in a dialog.
"""

from __future__ import annotations


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

    def __init__(self, problems: list[str], source: str = "", hint: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        count = len(self.problems)
        head = f"{where}{count} problem{'s' if count != 1 else ''} in spec"
        super().__init__(f"{head}: " + "; ".join(self.problems), hint)


class DataError(WorkbenchError):
    """A data file or data option the loader cannot use; the message names the file and place."""


class TrainingError(WorkbenchError):
    """A training run that cannot start or continue for a reason the user can fix."""
