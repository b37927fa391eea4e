"""The training loop end to end on tiny real data: tasks, metrics, reproducibility, spec sync."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from workbench.core.runs import RunDir, read_metrics
from workbench.core.spec.project import ProjectSpec
from workbench.core.training import Trainer


def project(task: str = "classification", **train) -> ProjectSpec:
    """A tiny project per task on built-in / small data (trains in well under a second)."""
    data = {
        "classification": {"source": "builtin:seed", "builtin": {"n_samples": 160}},
        "regression": {"source": "builtin:adding", "builtin": {"n_samples": 160, "length": 8}},
        "forecasting": {"source": "builtin:sine", "builtin": {"length": 300}, "window": 12},
        "tagging": {
            "source": "builtin:copy",
            "builtin": {"n_samples": 96, "n_symbols": 3, "copy_length": 2, "delay": 3},
        },
    }[task]
    head = {"kind": "per_step" if task == "tagging" else "sequence"}
    return ProjectSpec.from_dict(
        {
            "name": f"tiny-{task}",
            "data": {**data, "task": task},
            "model": {"layers": [{"type": "lstm", "hidden_size": 8}], "head": head},
            "train": {"batch_size": 16, "epochs": 2, "device": "cpu", **train},
        }
    )


def lm_project(tmp_path, **train) -> tuple[ProjectSpec, object]:
    text = ("the quick brown fox jumps over the lazy dog. " * 30).strip()
    (tmp_path / "corpus.txt").write_text(text, encoding="utf-8")
    spec = ProjectSpec.from_dict(
        {
            "name": "tiny-lm",
            "data": {"source": "corpus.txt", "task": "language_model", "seq_len": 8},
            "model": {
                "input": {"kind": "tokens", "embedding_dim": 8},
                "layers": [{"type": "gru", "hidden_size": 16}],
                "head": {"kind": "per_step"},
            },
            "train": {"batch_size": 4, "epochs": 2, "device": "cpu", **train},
        }
    )
    return spec, tmp_path


def run(spec, base_dir=None, run_dir=None, **kw):
    trainer = Trainer(spec, base_dir, run_dir=run_dir, **kw)
    steps, epochs, kinds = [], [], []

    def listen(event):
        kinds.append(event)
        if event.kind == "step":
            steps.append(event.loss)
        elif event.kind == "epoch":
            epochs.append(event.metrics)

    trainer.events.subscribe(listen)
    result = trainer.run()
    return trainer, result, steps, epochs, kinds


def test_classification_learns_and_events_are_plain(tmp_path):
    spec = project(epochs=3)
    spec.model.layers[0].hidden_size = 16
    spec.train.optimizer.lr = 0.01
    trainer, result, steps, epochs, events = run(spec, run_dir=tmp_path / "run")
    assert result.status == "completed"
    assert result.epochs == 3 and result.steps == len(steps) == 3 * trainer.steps_per_epoch
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"]
    assert 0.0 <= result.metrics["val_accuracy"] <= 1.0
    assert "test_accuracy" in result.metrics and result.metrics["samples_per_s"] > 0
    # Events hold plain values only: never a live tensor.
    for event in events:
        for f in dataclasses.fields(event):
            value = getattr(event, f.name)
            values = value.values() if isinstance(value, dict) else [value]
            assert not any(isinstance(v, torch.Tensor) for v in values), event
    assert {e.kind for e in events} >= {"status", "step", "epoch", "checkpoint"}
    assert events[-1].kind == "status" and events[-1].status == "completed"


def test_same_seed_same_losses_other_seed_differs(tmp_path):
    spec = project()
    spec.model.layers.insert(1, dataclasses.replace(spec.model.layers[0]))  # 2 blocks
    *_, a, _, _ = run(spec, run_dir=tmp_path / "a")
    *_, b, _, _ = run(spec, run_dir=tmp_path / "b")
    spec.train.seed = 1
    *_, c, _, _ = run(spec, run_dir=tmp_path / "c")
    assert a == b
    assert a != c


@pytest.mark.parametrize("task", ["regression", "forecasting"])
def test_numeric_targets_report_rmse_in_original_units(task, tmp_path):
    spec = project(task)
    trainer, result, steps, epochs, _ = run(spec, run_dir=tmp_path / "run")
    assert result.status == "completed"
    m = result.metrics
    assert {"val_loss", "val_rmse", "val_mae", "test_rmse"} <= set(m)
    # RMSE in original units = sqrt(MSE of un-scaled predictions): recompute it by hand.
    data, model = trainer.data, trainer.model
    model.eval()
    with torch.no_grad():
        pred, _ = model(data.test.x, data.test.lengths)
    best = trainer._rundir.best_checkpoint  # test metrics use the kept best weights
    assert best.is_file()
    from workbench.core.training.checkpoints import read_state_dict

    model.load_state_dict(read_state_dict(best))
    with torch.no_grad():
        pred, _ = model(data.test.x, data.test.lengths)
    err = data.targets_to_original_units(pred) - data.targets_to_original_units(data.test.y)
    assert m["test_rmse"] == pytest.approx(float(np.sqrt(np.mean(err**2))), rel=1e-5)


def test_tagging_masks_padding(tmp_path):
    spec = project("tagging")
    trainer, result, *_ = run(spec, run_dir=tmp_path / "run")
    assert result.status == "completed"
    assert 0 <= result.metrics["val_accuracy"] <= 1
    # The loss ignores masked steps: changing outputs there changes nothing.
    task = trainer.task
    out = torch.randn(2, 5, 4)
    y = torch.tensor([[1, 2, -100, -100, -100], [3, 0, 1, 2, -100]])
    other = out.clone()
    other[0, 2:] += 100.0
    other[1, 4] -= 50.0
    assert torch.equal(task.loss(out, y), task.loss(other, y))
    sums_a, sums_b = task.new_sums(torch.device("cpu")), task.new_sums(torch.device("cpu"))
    task.add(sums_a, out, y)
    task.add(sums_b, other, y)
    assert task.finish(sums_a, "val") == task.finish(sums_b, "val")
    assert float(sums_a["count"]) == 6  # valid steps only


def test_language_model_metrics_and_sample(tmp_path):
    spec, base = lm_project(tmp_path)
    trainer, result, steps, epochs, _ = run(spec, base, run_dir=tmp_path / "run")
    assert result.status == "completed"
    m = result.metrics
    assert m["val_perplexity"] == pytest.approx(math.exp(m["val_loss"]), rel=1e-6)
    assert m["val_bpc"] == pytest.approx(m["val_loss"] / math.log(2), rel=1e-6)
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"]
    from workbench.core.models.sampling import sample_text

    data = trainer.data
    text = sample_text(trainer.model, data, prime="the ", n_tokens=20, seed=3)
    again = sample_text(trainer.model, data, prime="the ", n_tokens=20, seed=3)
    assert text == again and len(text) == 20
    assert "<unk>" not in text
    greedy = sample_text(trainer.model, data, prime="the ", n_tokens=5, temperature=0)
    assert len(greedy) == 5


def test_model_spec_is_synced_to_the_data_and_logged(tmp_path):
    spec = project("regression")
    spec.model.input.n_features = 7  # the adding problem has 2 features and 1 target
    spec.model.head.output_size = 3
    trainer, result, *_ = run(spec, run_dir=tmp_path / "run")
    assert result.status == "completed"
    assert trainer.spec.model.input.n_features == 2
    assert trainer.spec.model.head.output_size == 1
    assert spec.model.input.n_features == 7  # the caller's spec is left alone
    run_dir = RunDir(tmp_path / "run")
    saved = json.loads(run_dir.project_file.read_text())
    assert saved["model"]["input"]["n_features"] == 2
    assert saved["data"]["normalization_stats"] == trainer.data.normalization_stats
    assert saved["data"]["normalization_stats"] is not None
    notes = [r["message"] for r in read_metrics(run_dir.metrics_file, "note")]
    assert any("n_features set to 2" in n for n in notes)
    assert any("output_size set to 1" in n for n in notes)


def test_early_stopping_and_keep_best(tmp_path):
    spec = project(epochs=6)
    es = spec.train.early_stopping
    es.enabled, es.patience, es.min_delta, es.metric = True, 2, 1e9, "val_accuracy"
    trainer, result, steps, epochs, _ = run(spec, run_dir=tmp_path / "run")
    # Nothing beats the first epoch by 1e9: stop after 1 + patience epochs.
    assert result.status == "completed" and result.epochs == 3
    assert "stopped early" in result.message
    assert result.metrics["best_epoch"] == 1
    from workbench.core.training.checkpoints import load_checkpoint

    _, meta = load_checkpoint(trainer._rundir.best_checkpoint)
    assert meta["epoch"] == 1 and meta["metric"] == "val_accuracy"


def test_unknown_watched_metric_is_a_user_error(tmp_path):
    from workbench.core.errors import TrainingError

    spec = project()
    spec.train.early_stopping.metric = "val_rmse"
    with pytest.raises(TrainingError, match="val_accuracy"):
        Trainer(spec, None, run_dir=tmp_path / "run").run()


def test_max_steps_and_metrics_log_readable(tmp_path):
    spec = project(max_steps=5, epochs=3)
    seen = []

    trainer = Trainer(spec, None, run_dir=tmp_path / "run")
    trainer.events.subscribe(lambda e: seen.append(e) if e.kind == "epoch" else None)
    result = trainer.run()
    assert result.status == "completed" and result.steps == 5 and "max_steps" in result.message
    records = read_metrics(tmp_path / "run" / "metrics.jsonl")
    assert [r["step"] for r in records if r["type"] == "step"] == [1, 2, 3, 4, 5]
    assert records[-1]["type"] in ("end", "status")
    status = RunDir(tmp_path / "run").read_status()
    assert status["status"] == "completed" and status["step"] == 5


def test_epoch_record_is_on_disk_when_the_epoch_event_arrives(tmp_path):
    spec = project()
    found = []
    trainer = Trainer(spec, None, run_dir=tmp_path / "run")

    def listen(event):
        if event.kind == "epoch":
            found.append(read_metrics(tmp_path / "run" / "metrics.jsonl", "epoch"))

    trainer.events.subscribe(listen)
    trainer.run()
    assert [len(f) for f in found] == [1, 2]
    assert found[0][0]["train_loss"] > 0


def test_batched_sync_path_gives_the_same_events(tmp_path, monkeypatch):
    """The GPU path (losses synced every SYNC_EVERY steps), exercised on the CPU."""
    spec = project()
    _, ref, ref_steps, ref_epochs, _ = run(spec, run_dir=tmp_path / "a")
    monkeypatch.setattr(Trainer, "sync_cpu_each_step", False)
    monkeypatch.setattr(Trainer, "SYNC_EVERY", 4)
    trainer, result, steps, epochs, events = run(spec, run_dir=tmp_path / "b")
    assert steps == ref_steps
    assert [e.step for e in events if e.kind == "step"] == list(range(1, len(steps) + 1))
    assert epochs == ref_epochs
    assert result.metrics["val_loss"] == ref.metrics["val_loss"]
