"""Exact resume: stop after k steps, resume, and get the uninterrupted run's losses (1e-6)."""

from __future__ import annotations

import pytest

from workbench.core.errors import TrainingError
from workbench.core.spec.project import ProjectSpec
from workbench.core.training import Trainer


def classifier(**train) -> ProjectSpec:
    # Dropout (global RNG), shuffling (data generator), Adam moments and a per-step schedule:
    # everything a resume has to restore.
    return ProjectSpec.from_dict(
        {
            "name": "resume-cls",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 160}},
            "model": {
                "layers": [
                    {"type": "lstm", "hidden_size": 8},
                    {"type": "dropout", "p": 0.3},
                    {"type": "gru", "hidden_size": 8},
                ],
                "head": {"dropout": 0.2},
            },
            "train": {
                "batch_size": 16,
                "epochs": 3,
                "device": "cpu",
                "schedule": {"kind": "cosine"},
                "clip": {"mode": "norm", "max_value": 0.5},
                **train,
            },
        }
    )


def language_model(tmp_path) -> ProjectSpec:
    text = "a stitch in time saves nine; " * 25
    (tmp_path / "text.txt").write_text(text, encoding="utf-8")
    return ProjectSpec.from_dict(
        {
            "name": "resume-lm",
            "data": {"source": str(tmp_path / "text.txt"), "task": "language_model", "seq_len": 6},
            "model": {
                "input": {"kind": "tokens", "embedding_dim": 6},
                "layers": [{"type": "lstm", "hidden_size": 12, "num_layers": 2, "dropout": 0.2}],
                "head": {"kind": "per_step"},
            },
            "train": {
                "batch_size": 3,
                "epochs": 2,
                "device": "cpu",
                "optimizer": {"name": "rmsprop", "momentum": 0.5},
            },
        }
    )


def losses_of(
    trainer: Trainer, stop_at: int | None = None
) -> tuple[list[float], list[dict], object]:
    losses, epochs = [], []

    def listen(event):
        if event.kind == "step":
            losses.append(event.loss)
            if event.step == stop_at:
                trainer.control.stop()
        elif event.kind == "epoch":
            epochs.append(event.metrics)

    trainer.events.subscribe(listen)
    return losses, epochs, trainer.run()


@pytest.mark.parametrize("kind", ["classifier", "language_model"])
def test_stop_and_resume_equals_uninterrupted(kind, tmp_path):
    spec = classifier() if kind == "classifier" else language_model(tmp_path)
    full, full_epochs, full_result = losses_of(Trainer(spec, None, run_dir=tmp_path / "full"))
    assert full_result.status == "completed"
    per_epoch = len(full) // spec.train.epochs
    k = per_epoch + per_epoch // 2  # in the middle of epoch 2

    first, _, stopped = losses_of(Trainer(spec, None, run_dir=tmp_path / "cut"), stop_at=k)
    assert stopped.status == "stopped" and stopped.steps == k
    resumed = Trainer.resume(tmp_path / "cut")
    rest, rest_epochs, result = losses_of(resumed)
    assert result.status == "completed" and result.steps == len(full)

    assert len(first) + len(rest) == len(full)
    assert first + rest == pytest.approx(full, abs=1e-6)
    # The interrupted epoch's metrics (running loss sums included) match too.
    for key, value in full_epochs[-1].items():
        assert rest_epochs[-1][key] == pytest.approx(value, abs=1e-6), key


def test_resume_a_finished_run_needs_more_epochs(tmp_path):
    spec = classifier(epochs=1, max_steps=None)
    Trainer(spec, None, run_dir=tmp_path / "run").run()
    with pytest.raises(TrainingError, match="already finished"):
        Trainer.resume(tmp_path / "run").run()
    result = Trainer.resume(tmp_path / "run", epochs=2).run()
    assert result.status == "completed" and result.epochs == 2


def test_resume_needs_a_run_folder(tmp_path):
    from workbench.core.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="no such run folder"):
        Trainer.resume(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(WorkbenchError, match="not a run folder"):
        Trainer.resume(tmp_path / "empty")


def test_resume_from_an_epoch_end_continues_the_data_order(tmp_path):
    """Issue 17: after an epoch-end checkpoint the data order went back to epoch 1's."""
    import torch

    from workbench.core.training.checkpoints import read_state_dict

    spec = classifier(schedule={"kind": "none"})  # a schedule that --epochs cannot reshape
    Trainer(spec, None, run_dir=tmp_path / "full").run()
    short = spec.copy()
    short.train.epochs = 1
    Trainer(short, None, run_dir=tmp_path / "cut").run()
    assert Trainer.resume(tmp_path / "cut", epochs=3).run().epochs == 3
    full = read_state_dict(tmp_path / "full" / "checkpoints" / "last.safetensors")
    cut = read_state_dict(tmp_path / "cut" / "checkpoints" / "last.safetensors")
    assert all(torch.equal(full[k], cut[k]) for k in full)


def test_a_live_run_is_not_called_interrupted(tmp_path):
    import os

    from workbench.core.runs import RunDir

    run = RunDir(tmp_path)
    run.write_status("running")
    assert run.read_status()["status"] == "running"  # this process is alive
    record = {**run.read_status(), "pid": 2**22 + 12345}  # above Linux's pid_max default
    (tmp_path / "status.json").write_text(__import__("json").dumps(record))
    if os.name == "posix":
        assert run.read_status()["status"] == "interrupted"
