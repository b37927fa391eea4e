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


#: Every task name, as the spec's ``data.task`` choices.
TASKS = tuple(t.value for t in Task)
#: Tasks whose head emits one output per time step (sequence → sequence).
PER_STEP_TASKS = (Task.TAGGING, Task.LANGUAGE_MODEL)
#: Tasks whose targets are class ids (cross-entropy; accuracy / perplexity).
CLASS_TASKS = (Task.CLASSIFICATION, Task.TAGGING, Task.LANGUAGE_MODEL)
#: Tasks whose targets are named labels (a class per sequence or per step).
LABEL_TASKS = (Task.CLASSIFICATION, Task.TAGGING)
#: Tasks whose targets are real numbers (scaled like the inputs; mse / mae).
VALUE_TASKS = (Task.REGRESSION, Task.FORECASTING)
#: Tasks one long series is cut into windows for.
SERIES_TASKS = (Task.FORECASTING, Task.REGRESSION)
#: Tasks independent sequences are prepared for.
SEQUENCE_TASKS = (Task.CLASSIFICATION, Task.REGRESSION, Task.TAGGING)
