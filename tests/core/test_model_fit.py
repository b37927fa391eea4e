"""The one "fit the model to the data" rule: the summary the app sees and the data training
loads lead to the same model."""

from __future__ import annotations

import pytest

from workbench.core.data import load_data
from workbench.core.data.loader import inspect_data
from workbench.core.spec.model_fit import DataShape, fit_model_to_data
from workbench.core.spec.project import DataSpec, ModelSpec


@pytest.mark.parametrize(
    "data",
    [
        DataSpec(source="builtin:seed", task="classification", builtin={"n_samples": 60}),
        DataSpec(source="builtin:adding", task="regression", builtin={"n_samples": 60}),
        DataSpec(source="resource:shakespeare.txt", task="language_model", seq_len=16),
    ],
    ids=["classification", "regression", "language_model"],
)
def test_summary_and_loaded_data_fit_the_same_model(data):
    from_summary, from_data = ModelSpec(), ModelSpec()
    fit_model_to_data(from_summary, DataShape.of(inspect_data(data)))
    fit_model_to_data(from_data, DataShape.of(load_data(data)))
    assert from_summary == from_data
    want = "per_step" if data.task == "language_model" else "sequence"
    assert from_summary.head.kind == want
    assert (from_summary.input.kind == "tokens") == (data.task == "language_model")


def test_a_run_reports_a_wrong_head_kind_instead_of_fixing_it():
    model = ModelSpec()
    model.head.kind = "per_step"
    model.input.n_features, model.head.output_size = 10, 2
    shape = DataShape("classification", None, 3, 4)
    notes = fit_model_to_data(model, shape, head_kind=False)
    assert model.head.kind == "per_step" and model.head.output_size == 4
    assert notes == [
        "model.input.n_features set to 3 to match the data (was 10)",
        "model.head.output_size set to 4 to match the data (was 2)",
    ]
