"""`workbench predict` / `evaluate`: fitted preprocessing reused, outputs in user units, the
same numbers from both commands, and one clear error line for every bad input."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
from serving_helpers import write_long_csv

from workbench.cli import main
from workbench.core.runs import read_metrics
from workbench.core.serving.loaded import load_run


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_run_folder_keeps_the_fitted_preprocessing(runs):
    saved = json.loads((runs["lstm"] / "preprocessing.json").read_text())
    assert saved["class_names"] == ["high", "low"]
    assert saved["feature_names"] == ["a", "b"]
    assert saved["normalization"]["features"]["names"] == ["a", "b"]
    assert len(saved["source_sha256"]) == 64
    lm = json.loads((runs["charlm"] / "preprocessing.json").read_text())
    assert lm["vocab"][0] == "<unk>" and "e" in lm["vocab"]


@pytest.mark.parametrize("name", ["lstm", "gru", "bidir", "charlm"])
def test_evaluate_on_the_test_split_matches_training(runs, name, capsys):
    assert main(["evaluate", str(runs[name]), "--checkpoint", "last", "--json"]) == 0
    out = last_json(capsys.readouterr().out)
    metrics = out["metrics"]
    final = read_metrics(runs[name] / "metrics.jsonl", "end")[-1]
    if name in ("lstm", "bidir"):
        assert metrics["accuracy"] == pytest.approx(final["test_accuracy"], abs=1e-9)
        assert metrics["loss"] == pytest.approx(final["test_loss"], rel=1e-5)
        assert np.sum(metrics["confusion"]) == metrics["n"]
        assert set(metrics["macro"]) == {"precision", "recall", "f1"}
        assert 0.0 <= metrics["roc_auc_ovr"] <= 1.0
    elif name == "gru":
        assert metrics["rmse"] == pytest.approx(final["test_rmse"], rel=1e-5)
        assert metrics["mae"] == pytest.approx(final["test_mae"], rel=1e-5)
        assert metrics["smape"] > 0
        assert metrics["baselines"]["naive_rmse"] == pytest.approx(final["test_naive_rmse"])
    else:
        assert metrics["perplexity"] == pytest.approx(np.exp(metrics["loss"]))
        assert 1.0 < metrics["perplexity"] < 200


def test_predict_on_the_training_file_equals_what_evaluate_used(runs, tmp_path, capsys):
    run, data = runs["lstm"], runs["folder"] / "seqs.csv"
    out = tmp_path / "p.csv"
    assert main(["predict", str(run), str(data), "--out", str(out), "--json"]) == 0
    assert last_json(capsys.readouterr().out)["n"] == 48
    rows = list(csv.DictReader(out.open()))
    assert "'s0'" in rows[0]["index"] and "'s1'" in rows[1]["index"]
    proba = np.array([[float(r["p_high"]), float(r["p_low"])] for r in rows])
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-9)
    assert main(["evaluate", str(run), str(data), "--json"]) == 0
    metrics = last_json(capsys.readouterr().out)["metrics"]
    hits = np.mean([r["predicted"] == r["true"] for r in rows])
    assert metrics["accuracy"] == pytest.approx(hits)
    counted = np.zeros((2, 2), int)
    names = ["high", "low"]
    for r in rows:
        counted[names.index(r["true"]), names.index(r["predicted"])] += 1
    assert counted.tolist() == metrics["confusion"]


def test_forecast_in_original_units_with_time_index(runs, tmp_path, capsys):
    run, data = runs["gru"], runs["folder"] / "airline.csv"
    out = tmp_path / "f.jsonl"
    assert main(["predict", str(run), str(data), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 144 - 12 + 1  # every window, the last ones past the file's end
    assert rows[0]["index"] == "1950-01" and rows[0]["true_Passengers+1"] == 115.0
    assert rows[-1]["true_Passengers+1"] is None
    assert 50 < rows[0]["Passengers+1"] < 1000  # passengers, not z-scores
    npy = tmp_path / "f.npy"
    assert main(["predict", str(run), str(data), "--out", str(npy)]) == 0
    values = np.load(npy)
    assert values.shape == (133, 2)
    np.testing.assert_allclose(values[:, 0], [r["Passengers+1"] for r in rows])


def test_language_model_next_token_probabilities(runs, tmp_path):
    out = tmp_path / "lm.csv"
    text = runs["folder"] / "small.txt"
    assert main(["predict", str(runs["charlm"]), str(text), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(text.read_text()) - 1
    assert float(rows[0]["p_1"]) >= float(rows[0]["p_2"]) >= float(rows[0]["p_3"])
    assert rows[0]["token"] == text.read_text()[0] and rows[0]["actual_next"] == text.read_text()[1]


def test_language_model_sampling_with_a_seed(runs, capsys):
    args = ["predict", str(runs["charlm"]), "--generate", "30", "--prime", "Th", "--json"]
    samples = []
    for seed in ("1", "1", "2"):
        assert main([*args, "--seed", seed]) == 0
        samples.append(last_json(capsys.readouterr().out)["sample"])
    assert len(samples[0]) == 30 and samples[0] == samples[1] != samples[2]
    assert "<unk>" not in samples[0]
    assert main(["predict", str(runs["gru"]), "--generate", "5"]) == 2
    assert "language model" in _error(capsys)


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_mismatched_features_are_named(runs, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,t,a,c,label\ns0,0,1,2,low\ns0,1,1,2,low\n")
    assert main(["predict", str(runs["lstm"]), str(bad)]) == 2
    assert "'c' where it had 'b'" in _error(capsys)
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("Month,Other,Passengers\n" + "\n".join(f"m{i},1,{i}" for i in range(30)))
    assert main(["evaluate", str(runs["gru"]), str(narrow)]) == 2
    assert "2 feature columns" in _error(capsys)


def test_unknown_label_is_named(runs, tmp_path, capsys):
    data = write_long_csv(tmp_path / "new.csv", n=6, labels=("low", "medium"))
    assert main(["evaluate", str(runs["lstm"]), str(data)]) == 2
    assert "'medium' not seen in training" in _error(capsys)


def test_missing_unfinished_and_corrupt_runs(runs, tmp_path, capsys):
    assert main(["predict", str(tmp_path / "nope")]) == 2
    assert "no such run folder" in _error(capsys)
    copy = tmp_path / "copy"
    shutil.copytree(runs["lstm"], copy)
    (copy / "status.json").write_text('{"status": "running"}\n')
    assert main(["evaluate", str(copy)]) == 2
    assert "still training" in _error(capsys)
    (copy / "status.json").write_text('{"status": "completed"}\n')
    (copy / "checkpoints" / "best.safetensors").write_bytes(b"\x00garbage" * 10)
    assert main(["evaluate", str(copy)]) == 2
    assert "not a workbench checkpoint" in _error(capsys)
    for f in (copy / "checkpoints").iterdir():
        f.unlink()
    assert main(["predict", str(copy), "--split", "test"]) == 2
    assert "no best checkpoint" in _error(capsys)


def test_run_without_preprocessing_file_rebuilds_it(runs, tmp_path):
    copy = tmp_path / "old"
    shutil.copytree(runs["lstm"], copy)
    (copy / "preprocessing.json").unlink()
    old, new = load_run(copy), load_run(runs["lstm"])
    assert old.pre.class_names == new.pre.class_names
    assert old.pre.normalization == new.pre.normalization


def test_target_transforms_are_inverted(runs, tmp_path, capsys):
    """A run trained on log differences reports forecasts in passengers, on the test split
    (same RMSE as training said) and on the file (time index from the Month column)."""
    run = runs["logdiff"]
    final = read_metrics(run / "metrics.jsonl", "end")[-1]
    assert main(["evaluate", str(run), "--json"]) == 0
    metrics = last_json(capsys.readouterr().out)["metrics"]
    assert metrics["rmse"] == pytest.approx(final["test_rmse"], rel=1e-5)
    out = tmp_path / "f.csv"
    assert main(["predict", str(run), str(runs["folder"] / "airline.csv"), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["index"] == "1950-02"  # log + difference: one more row of history
    assert 80 < float(rows[0]["Passengers+1"]) < 200


def test_tagging_per_step_outputs(runs, tmp_path, capsys):
    """A per-step tagger: evaluate counts valid steps only; predict lists every valid step."""
    run = runs["tagger"]
    final = read_metrics(run / "metrics.jsonl", "end")[-1]
    assert main(["evaluate", str(run), "--json"]) == 0
    metrics = last_json(capsys.readouterr().out)["metrics"]
    assert metrics["accuracy"] == pytest.approx(final["test_accuracy"], abs=1e-9)
    out = tmp_path / "tags.jsonl"
    assert main(["predict", str(run), "--split", "test", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == metrics["n"]  # one row per valid step
    assert {"index", "step", "predicted", "p_predicted", "true"} == set(rows[0])
    assert main(["predict", str(run), "--split", "test", "--out", str(tmp_path / "t.xlsx")]) == 2
    assert ".csv, .npy or .jsonl" in _error(capsys)
