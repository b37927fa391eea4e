"""What a model learns: the ``Task`` names, defined once for the spec, data, training and app."""

from __future__ import annotations

from enum import StrEnum


class Task(StrEnum):
    """What a model learns. Members ARE their names as text (``Task.TAGGING == "tagging"``), so
    specs, files and JSON keep plain strings; code compares with members, not literals."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"
    FORECASTING = "forecasting"
    TAGGING = "tagging"
    LANGUAGE_MODEL = "language_model"

    @property
    def per_step(self) -> bool:
        """The head emits one output per time step (sequence → sequence)."""
        return self in PER_STEP_TASKS


TASKS = tuple(t.value for t in Task)
#: Tasks whose head emits one output per time step (sequence → sequence).
PER_STEP_TASKS = (Task.TAGGING, Task.LANGUAGE_MODEL)
