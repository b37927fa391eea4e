"""Defaults that follow the data: a window fitted to a short series (and written back to the run's
spec with a note), validation stratified from the training file, summary on a mismatch."""

from __future__ import annotations

import json

import numpy as np

from workbench.core.data import load_data
from workbench.core.data.splits import stratified_split
from workbench.core.spec.project import DataSpec, ProjectSpec


def test_a_short_series_gets_a_window_that_leaves_training_windows(tmp_path):
    from workbench.core.training.setup import sync_spec_to_data

    path = tmp_path / "short.csv"
    path.write_text("t,v\n" + "".join(f"2020-01-{i + 1:02d},{i % 7}\n" for i in range(30)))
    spec = ProjectSpec.from_dict(
        {"data": {"source": str(path), "task": "forecasting", "window": 24}}
    )
    data = load_data(spec.data)
    # 30 steps, 22 for training: window 24 + horizon 1 cannot fit; 21 does
    assert data.summary.window == 21 and data.train.x.shape[1] == 21
    assert all(n > 0 for n in data.summary.split_sizes.values())
    assert any("window shortened from 24 to 21" in n for n in data.summary.notes)
    notes = sync_spec_to_data(spec, data)
    assert spec.data.window == 21 and any("data.window set to 21" in n for n in notes)


def test_stratified_validation_keeps_each_class_share():
    labels = np.array([0] * 80 + [1] * 16 + [2] * 4 + [3])
    train, val = stratified_split(labels, 0.25, seed=0)
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(len(labels)))
    counts = np.bincount(labels[val], minlength=4).tolist()
    assert counts == [20, 4, 1, 0]  # the class seen once stays in training


def test_validation_from_a_training_file_is_stratified(tmp_path):
    def ts(name: str, labels: list[str]) -> str:
        rows = "".join(f"{i % 5},{i % 3},{(i * 7) % 4}:{lab}\n" for i, lab in enumerate(labels))
        head = "@problemName t\n@univariate true\n@classLabel true a b\n@data\n"
        (tmp_path / name).write_text(head + rows)
        return str(tmp_path / name)

    train = ts("x_TRAIN.ts", ["a"] * 36 + ["b"] * 4)
    test = ts("x_TEST.ts", ["a", "b"] * 5)
    spec = DataSpec(source=train, test_source=test, task="classification")
    spec.split.val_fraction = 0.25
    d = load_data(spec)
    assert np.bincount(d.val.y.numpy(), minlength=2).tolist() == [9, 1]
    assert "stratified" in d.summary.split_kind and len(d.test) == 10


def test_summary_says_when_the_model_does_not_fit_its_data(tmp_path, capsys):
    from workbench.cli import main
    from workbench.core.spec.project_file import save_project

    spec = ProjectSpec.from_dict(
        {
            "data": {"source": "resource:airline-passengers.csv", "task": "forecasting"},
            "model": {"input": {"n_features": 10}, "head": {"output_size": 3}},
        }
    )
    save_project(spec, tmp_path / "p.json")
    assert main(["summary", str(tmp_path / "p.json")]) == 0
    out = capsys.readouterr().out
    assert "do not match its data" in out
    assert "model.input.n_features set to 1 to match the data (was 10)" in out
    assert main(["summary", str(tmp_path / "p.json"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(info["data_mismatch"]) == 2
    assert main(["summary", "example:airline-forecast", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["data_mismatch"] == []
