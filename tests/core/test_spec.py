"""ProjectSpec validation and JSON round trips."""

import json

import pytest

from workbench.core.errors import SpecError
from workbench.core.spec.layers import LAYER_TYPES, LSTMSpec, new_layer
from workbench.core.spec.project import DataSpec, ModelSpec, ProjectSpec, TrainSpec
from workbench.core.spec.project_file import (
    list_examples,
    load_project,
    project_to_json,
    save_project,
)


@pytest.mark.parametrize("kind", sorted(LAYER_TYPES))
def test_every_layer_type_round_trips_through_json(kind):
    layer = new_layer(kind)
    spec = ModelSpec(layers=[LSTMSpec(), layer])
    again = ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert again.layers[1].type == kind
    assert type(again.layers[1]) is type(layer)


@pytest.mark.parametrize("example", list_examples(), ids=lambda e: e.name)
def test_every_example_round_trips_unchanged(example):
    spec, _ = load_project(f"example:{example.name}")
    text = project_to_json(spec)
    assert ProjectSpec.from_dict(json.loads(text)) == spec
    assert json.loads(text) == json.loads(example.path.read_text(encoding="utf-8"))


def test_every_problem_is_listed_by_path():
    data = ProjectSpec().to_dict()
    data["model"]["layers"].append({"type": "gru", "hidden_size": 0})
    data["model"]["layers"].append({"type": "transformer"})
    data["train"]["optimizer"]["lr"] = "fast"
    data["train"]["batch_size"] = 2.5
    data["data"]["split"]["val_fraction"] = 0.9
    data["surprise"] = True
    with pytest.raises(SpecError) as info:
        ProjectSpec.from_dict(data)
    problems = info.value.problems
    assert "model.layers[1].hidden_size: must be ≥ 1 (got 0)" in problems
    assert any(
        p.startswith("model.layers[2].type: unknown layer type 'transformer'") for p in problems
    )
    assert any(p.startswith("train.optimizer.lr: expected a number") for p in problems)
    assert any(p.startswith("train.batch_size: expected a whole number") for p in problems)
    assert any(p.startswith("data.split: validation + test fractions") for p in problems)
    assert any(p.startswith("surprise: unknown field") for p in problems)
    assert len(problems) == 6


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ([1, 2], "spec: expected an object"),
        ({"model": {"layers": "lstm"}}, "model.layers: expected a list"),
        ({"train": {"device": "gpu"}}, "train.device: must be auto, cpu"),
        ({"model": {"layers": [{"type": "lstm", "proj_size": 80}]}}, "proj_size: must be smaller"),
        ({"model": {"layers": [{"type": "dropout"}]}}, "needs at least one RNN, LSTM or GRU"),
        (
            {"train": {"optimizer": {"name": "adam", "nesterov": True}}},
            "nesterov: needs optimizer 'sgd'",
        ),
        (
            {"data": {"task": "language_model"}},
            "model.head.kind: task 'language_model' needs a 'per_step' head",
        ),
        (
            {"model": {"layers": [{"type": "gru", "num_layers": 1, "dropout": 0.3}]}},
            "dropout: only acts",
        ),
        ({"train": {"optimizer": {"lr": float("nan")}}}, "must be a finite number"),
        ({"data": {"normalization": "robust"}}, "data.normalization: must be one of"),
    ],
)
def test_bad_values_are_explained(payload, fragment):
    with pytest.raises(SpecError) as info:
        ProjectSpec.from_dict(payload)
    assert fragment in str(info.value)


def test_newer_format_version_is_refused_with_a_hint():
    data = ProjectSpec().to_dict()
    data["format_version"] = 99
    with pytest.raises(SpecError, match="newer workbench"):
        ProjectSpec.from_dict(data)


def test_migration_hook_upgrades_old_versions(monkeypatch):
    def upgrade(old: dict) -> dict:
        new = dict(old)
        new["epochs"] = new.pop("n_epochs")
        return new

    monkeypatch.setattr(TrainSpec, "FORMAT_VERSION", 2)
    monkeypatch.setattr(TrainSpec, "MIGRATIONS", {1: upgrade})
    spec = TrainSpec.from_dict({"format_version": 1, "n_epochs": 7})
    assert spec.epochs == 7
    assert spec.to_dict()["format_version"] == 2


def test_save_and_load_project_round_trip(tmp_path):
    spec = ProjectSpec(name="mine", data=DataSpec(source="series.csv", task="forecasting"))
    spec.model.head.output_size = 3
    path = tmp_path / "mine.wbproj.json"
    save_project(spec, path)
    loaded, base = load_project(path)
    assert loaded == spec
    assert base == tmp_path.resolve()
    assert not list(tmp_path.glob(".*.tmp")), "atomic save left its temp file behind"


def test_invalid_spec_is_not_saved(tmp_path):
    spec = ProjectSpec()
    spec.model.layers[0].hidden_size = 0
    with pytest.raises(SpecError):
        save_project(spec, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_broken_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x",\n  "model": }', encoding="utf-8")
    with pytest.raises(SpecError, match="line 2, column"):
        load_project(path)
