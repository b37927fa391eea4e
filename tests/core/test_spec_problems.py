"""Spec problems are structures (path, message) that still read as their old text."""

from __future__ import annotations

import copy
import pickle

import pytest

from workbench.core.errors import Problem, SpecError
from workbench.core.spec.project import LR_MAX, ProjectSpec, lr_problem
from workbench.core.training.control import TrainerControl


def test_problems_carry_their_path_and_message():
    spec = ProjectSpec()
    spec.train.epochs = 0
    spec.model.layers[0].dropout = 0.5
    problems = spec.problems()
    by_path = {p.path: p for p in problems}
    epochs = by_path["train.epochs"]
    assert isinstance(epochs, Problem)
    assert epochs.message.startswith("must be ≥ 1")
    assert epochs == f"train.epochs: {epochs.message}"  # the text reads as before
    assert by_path["model.layers[0].dropout"].message.startswith("only acts between stacked")
    for p in (epochs, copy.deepcopy(epochs), pickle.loads(pickle.dumps(epochs))):
        assert (p.path, p.message) == ("train.epochs", epochs.message)


def test_spec_error_from_a_file_has_typed_problems():
    with pytest.raises(SpecError) as caught:
        ProjectSpec.from_dict({"train": {"epochs": "many", "bogus": 1}})
    paths = {p.path for p in caught.value.problems}
    assert paths == {"train.epochs", "train.bogus"}
    assert Problem.of("plain text without a path").path == ""


def test_learning_rate_bounds_are_one_rule():
    assert lr_problem(1e-3) == "" and lr_problem(LR_MAX) == ""
    assert lr_problem(LR_MAX * 2) and lr_problem(0.0) and lr_problem(float("nan"))
    spec = ProjectSpec()
    spec.train.optimizer.lr = LR_MAX * 2
    assert any(p.path == "train.optimizer.lr" for p in spec.problems())
    with pytest.raises(ValueError, match="≤"):
        TrainerControl().set_lr(LR_MAX * 2)


def test_task_members_are_their_names():
    from workbench.core.spec.task import PER_STEP_TASKS, TASKS, Task

    assert TASKS == ("classification", "regression", "forecasting", "tagging", "language_model")
    assert Task.LANGUAGE_MODEL == "language_model" and Task.LANGUAGE_MODEL.per_step
    assert not Task.CLASSIFICATION.per_step and "tagging" in PER_STEP_TASKS
    spec = ProjectSpec()
    spec.data.task = Task.REGRESSION
    spec.model.head.output_size = 1
    assert ProjectSpec.from_dict(spec.to_dict()).data.task == "regression"
