"""Checkpoints: safetensors round trips, pickles refused unrun, atomic writes, divergence."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

from workbench.core.errors import TrainingError
from workbench.core.spec.project import ProjectSpec
from workbench.core.training import Trainer
from workbench.core.training import checkpoints as ck


class _Evil:
    """Unpickling this runs code that leaves a marker file behind."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))


def test_round_trip_keeps_tensors_and_meta(tmp_path):
    path = tmp_path / "c.safetensors"
    tensors = {
        "model.w": torch.randn(3, 4),
        "rng.torch": torch.get_rng_state(),
        "s": torch.tensor(2.0),
    }
    ck.save_checkpoint(path, tensors, {"position": {"step": 7}, "best": None})
    loaded, meta = ck.load_checkpoint(path)
    assert set(loaded) == set(tensors)
    assert all(torch.equal(loaded[k], tensors[k]) for k in tensors)
    assert meta["position"] == {"step": 7} and meta["best"] is None


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_optimizer_state_round_trip(name):
    from workbench.core.spec.project import OptimizerSpec
    from workbench.core.training.optim import build_optimizer

    net = torch.nn.Linear(3, 2)
    spec = OptimizerSpec(name=name, lr=0.1, momentum=0.9 if name != "adam" else 0.0)
    opt = build_optimizer(spec, net.parameters())
    for _ in range(2):
        opt.zero_grad()
        net(torch.randn(4, 3)).sum().backward()
        opt.step()
    tensors, meta = ck.optimizer_to_flat(opt)
    other = build_optimizer(spec, net.parameters())
    ck.optimizer_from_flat(other, tensors, meta)
    a, b = opt.state_dict(), other.state_dict()
    assert a["param_groups"] == b["param_groups"]
    for pid, state in a["state"].items():
        for key, value in state.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(b["state"][pid][key]))


def test_malicious_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"model.w": _Evil(str(marker))})
    fake = tmp_path / "last.safetensors"
    fake.write_bytes(payload)
    with pytest.raises(TrainingError, match="not a workbench checkpoint"):
        ck.load_checkpoint(fake)
    # A PyTorch file is read with weights_only=True: the pickle's code never runs either.
    pt = tmp_path / "weights.pt"
    torch.save({"w": _Evil(str(marker))}, pt)
    with pytest.raises(TrainingError, match="refused"):
        ck.read_state_dict(pt)
    assert not marker.exists()
    # …while a plain state dict still loads.
    torch.save({"w": torch.ones(2)}, tmp_path / "ok.pt")
    assert torch.equal(ck.read_state_dict(tmp_path / "ok.pt")["w"], torch.ones(2))


def test_resume_refuses_a_pickled_checkpoint(tmp_path):
    spec = ProjectSpec.from_dict(
        {
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 64}},
            "model": {"layers": [{"type": "rnn", "hidden_size": 4}]},
            "train": {"epochs": 1, "batch_size": 16, "device": "cpu"},
        }
    )
    Trainer(spec, None, run_dir=tmp_path / "run").run()
    marker = tmp_path / "pwned"
    (tmp_path / "run" / "checkpoints" / "last.safetensors").write_bytes(
        pickle.dumps(_Evil(str(marker)))
    )
    with pytest.raises(TrainingError, match="not a workbench checkpoint"):
        Trainer.resume(tmp_path / "run", epochs=2).run()
    assert not marker.exists()


def test_failed_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "last.safetensors"
    ck.save_checkpoint(path, {"w": torch.zeros(4)}, {"v": 1})

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        ck.save_checkpoint(path, {"w": torch.ones(4)}, {"v": 2})
    monkeypatch.undo()
    tensors, meta = ck.load_checkpoint(path)
    assert meta["v"] == 1 and torch.equal(tensors["w"], torch.zeros(4))
    assert [p.name for p in tmp_path.iterdir()] == ["last.safetensors"]  # no temp file left


WRITER = textwrap.dedent(
    """
    import os, sys, time, torch
    from workbench.core.training.checkpoints import save_checkpoint
    path = sys.argv[1]
    save_checkpoint(path, {"w": torch.full((1_000_000,), 1.0)}, {"version": 1})

    def slow_disk(fd):  # the second save hangs mid-write, after its bytes went out
        print("writing", flush=True)
        time.sleep(60)

    os.fsync = slow_disk
    save_checkpoint(path, {"w": torch.full((1_000_000,), 2.0)}, {"version": 2})
    """
)


def test_killed_writer_leaves_a_loadable_checkpoint(tmp_path):
    path = tmp_path / "last.safetensors"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "writing"
        # Killed in the middle of the second save: its temp file is there, half-done.
        assert len(list(tmp_path.iterdir())) == 2
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    tensors, meta = ck.load_checkpoint(path)
    assert meta["version"] == 1
    assert torch.equal(tensors["w"], torch.full((1_000_000,), 1.0))


@pytest.mark.parametrize("batched", [False, True], ids=["cpu-path", "gpu-path"])
def test_divergence_stops_at_once_and_keeps_the_last_good_checkpoint(
    tmp_path, monkeypatch, batched
):
    if batched:  # losses synced every 4 steps, as on a GPU: caught at the next sync
        monkeypatch.setattr(Trainer, "sync_cpu_each_step", False)
        monkeypatch.setattr(Trainer, "SYNC_EVERY", 4)
    spec = ProjectSpec.from_dict(
        {
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 160}},
            "model": {"layers": [{"type": "lstm", "hidden_size": 8}]},
            "train": {"epochs": 3, "batch_size": 16, "device": "cpu"},
        }
    )
    trainer = Trainer(spec, None, run_dir=tmp_path / "run")
    bad_step = trainer_steps = None

    class Poison:  # breaks the weights after a step of epoch 2
        def on_train_begin(self, t):
            nonlocal trainer_steps
            trainer_steps = t.steps_per_epoch

        def on_step_end(self, t, info):
            nonlocal bad_step
            if info.step == trainer_steps + 2:
                bad_step = info.step
                with torch.no_grad():
                    t.model.head[-1].weight.fill_(float("inf"))

    steps = []
    trainer.add_callback(Poison())
    trainer.events.subscribe(lambda e: steps.append(e.step) if e.kind == "step" else None)
    result = trainer.run()
    assert result.status == "diverged"
    assert steps[-1] == bad_step  # no event for a non-finite step
    if not batched:
        assert result.steps == bad_step  # the next step is refused before it is taken
    assert "learning rate" in result.hint and "clipping" in result.hint
    assert f"step {bad_step + 1}" in result.message
    tensors, meta = ck.load_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert meta["position"]["epoch"] == 1  # the end of epoch 1: the last good one
    assert all(torch.isfinite(v).all() for k, v in tensors.items() if k.startswith("model."))
    status = (tmp_path / "run" / "status.json").read_text()
    assert '"diverged"' in status


def test_a_failed_background_write_reaches_the_user(tmp_path, monkeypatch):
    import workbench.core.training.trainer as trainer_module

    def disk_full(path, payload):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(trainer_module, "atomic_write_bytes", disk_full)
    spec = ProjectSpec.from_dict(
        {
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 64}},
            "model": {"layers": [{"type": "rnn", "hidden_size": 4}]},
            "train": {"epochs": 2, "batch_size": 16, "device": "cpu"},
        }
    )
    trainer = Trainer(spec, None, run_dir=tmp_path / "run")
    errors = []
    trainer.events.subscribe(lambda e: errors.append(e) if e.kind == "error" else None)
    with pytest.raises(TrainingError, match="could not write a checkpoint: No space left"):
        trainer.run()
    assert errors and "disk space" in errors[0].hint
    import threading

    assert not [t for t in threading.enumerate() if t.name == "checkpoint-writer"]


def test_gpu_path_divergence_found_at_the_epoch_end_keeps_the_good_checkpoint(
    tmp_path, monkeypatch
):
    """Losses synced only at the epoch end: the bad epoch must not be checkpointed."""
    monkeypatch.setattr(Trainer, "sync_cpu_each_step", False)
    monkeypatch.setattr(Trainer, "SYNC_EVERY", 1000)
    spec = ProjectSpec.from_dict(
        {
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 160}},
            "model": {"layers": [{"type": "gru", "hidden_size": 4}]},
            "train": {"epochs": 2, "batch_size": 16, "device": "cpu"},
        }
    )
    trainer = Trainer(spec, None, run_dir=tmp_path / "run")

    class Poison:
        def on_step_end(self, t, info):
            if info.step == 3:
                with torch.no_grad():
                    t.model.head[-1].bias.fill_(float("nan"))

    trainer.add_callback(Poison())
    kinds = []
    trainer.events.subscribe(lambda e: kinds.append(e.kind))
    result = trainer.run()
    assert result.status == "diverged" and "step 4" in result.message
    assert "epoch" not in kinds
    tensors, meta = ck.load_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert meta["position"]["step"] == 0
    assert all(torch.isfinite(v).all() for k, v in tensors.items() if k.startswith("model."))
