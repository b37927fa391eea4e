"""Checkpoints are untrusted input: every damaged or edited field is one clear TrainingError
naming the file — never a traceback, never silently used."""

from __future__ import annotations

import copy
import json

import pytest
import torch

from workbench.core.errors import TrainingError
from workbench.core.spec.project import ProjectSpec
from workbench.core.training import Trainer
from workbench.core.training import checkpoints as ck
from workbench.core.training.state import restore_checked


def spec() -> ProjectSpec:
    return ProjectSpec.from_dict(
        {
            "name": "ckcheck",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 80}},
            "model": {"layers": [{"type": "gru", "hidden_size": 4}]},
            "train": {"batch_size": 16, "epochs": 2, "device": "cpu"},
        }
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A stopped run (mid-epoch 2), its checkpoint, and a prepared trainer to restore into."""
    root = tmp_path_factory.mktemp("ck")
    trainer = Trainer(spec(), None, run_dir=root / "run")
    trainer.events.subscribe(lambda e: e.kind == "step" and e.step == 5 and trainer.control.stop())
    assert trainer.run().status == "stopped"
    tensors, meta = ck.load_checkpoint(root / "run" / "checkpoints" / "last.safetensors")
    target = Trainer(spec(), None, run_dir=root / "target")
    target.prepare()
    return root, tensors, meta, target


def edit_meta(meta, path, value):
    *parents, last = path
    node = meta
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value


META_CASES = [
    (("position", "epoch"), -1, "position.epoch must be a whole number ≥ 0"),
    (("position", "batch"), 999, "past the end of an epoch"),
    (("position", "loss_weight"), 0.0, "no loss recorded"),
    (("position", "loss_sum"), "x", "position.loss_sum must be a finite number"),
    (("position", "step"), 10**30, "does not fit"),
    (("position", "total_samples"), True, "position.total_samples"),
    (("position",), [], "position must be an object"),
    (("position", "last_metrics"), {"val_loss": "low"}, "last_metrics.val_loss"),
    (("epoch",), 7, "disagree"),
    (("schedule", "per_step"), True, "schedule has unknown entries: per_step"),
    (("schedule", "scale"), -2.0, "schedule.scale"),
    (("monitor", "best"), "x", "monitor.best"),
    (("monitor", "bad_epochs"), -1, "monitor.bad_epochs"),
    (("optimizer", "param_groups"), [], "param_groups does not match"),
    (("optimizer", "param_groups", 0, "lr"), -1.0, "lr must be a finite number ≥ 0"),
    (("optimizer", "param_groups", 0, "params"), [0, 0, 0], "param_groups[0] does not match"),
    (("optimizer", "state", "99"), {"step": 1}, "optimizer.state.99 names no parameter"),
    (("optimizer",), KeyError, "optimizer must be an object"),
    (("lm_state",), "x", "lm_state must be a list"),
]


@pytest.mark.parametrize(("path", "value", "fragment"), META_CASES)
def test_edited_json_state_is_refused(saved, path, value, fragment):
    root, tensors, meta, target = saved
    meta = copy.deepcopy(meta)
    edit_meta(meta, path, value)
    with pytest.raises(TrainingError) as info:
        restore_checked(target, root / "x.safetensors", dict(tensors), meta)
    assert str(info.value).startswith(f"{root / 'x.safetensors'}: unusable checkpoint: ")
    assert fragment in str(info.value)


def _first(tensors, prefix):
    return next(k for k in sorted(tensors) if k.startswith(prefix))


TENSOR_CASES = [
    ("nan", "model.", lambda t: torch.full_like(t, float("nan")), "NaN or infinite"),
    ("shape", "model.", lambda t: torch.zeros(3, 3), "has shape (3, 3)"),
    ("dtype", "model.", lambda t: t.double(), "dtype torch.float64"),
    ("missing", "model.", None, "lacks"),
    ("optim", "optim.", lambda t: torch.zeros(2, 2) if t.numel() > 1 else t, "optim."),
    ("optim-inf", "optim.", lambda t: torch.full_like(t, float("inf")), "NaN or infinite"),
    ("rng", "rng.torch", None, "rng.torch"),
    ("rng-data", "rng.data", lambda t: t[:10], "rng.data"),
]


@pytest.mark.parametrize(("name", "prefix", "change", "fragment"), TENSOR_CASES)
def test_edited_tensors_are_refused(saved, name, prefix, change, fragment):
    root, tensors, meta, target = saved
    tensors = dict(tensors)
    key = _first(tensors, prefix)
    if name == "optim":
        key = next(k for k in sorted(tensors) if k.startswith("optim.") and tensors[k].numel() > 1)
    if change is None:
        del tensors[key]
    else:
        tensors[key] = change(tensors[key])
    with pytest.raises(TrainingError, match="unusable checkpoint") as info:
        restore_checked(target, root / "x.safetensors", tensors, copy.deepcopy(meta))
    assert fragment in str(info.value)


def test_a_flipped_bit_fails_the_hash_and_the_run_is_left_alone(saved, tmp_path):
    root, tensors, meta, _ = saved
    import shutil

    run = tmp_path / "run"
    shutil.copytree(root / "run", run)
    last = run / "checkpoints" / "last.safetensors"
    data = bytearray(last.read_bytes())
    data[-3] ^= 0x10  # a bit in the last tensor's bytes
    last.write_bytes(bytes(data))
    status = (run / "status.json").read_text()
    with pytest.raises(TrainingError, match="does not match the hash") as info:
        Trainer.resume(run).run()
    assert str(info.value).startswith(str(last))
    assert (run / "status.json").read_text() == status  # a refused resume leaves it alone


def test_tampered_but_rehashed_state_is_still_refused_end_to_end(saved, tmp_path):
    root, tensors, meta, _ = saved
    import shutil

    run = tmp_path / "run"
    shutil.copytree(root / "run", run)
    bad = copy.deepcopy(meta)
    bad["position"]["epoch"] = -1
    ck.save_checkpoint(run / "checkpoints" / "last.safetensors", tensors, bad)
    with pytest.raises(TrainingError, match="position.epoch"):
        Trainer.resume(run).run()
    assert json.loads((run / "status.json").read_text())["status"] == "stopped"


def test_the_written_checkpoint_carries_a_hash_that_matches(saved):
    root, *_ = saved
    raw = (root / "run" / "checkpoints" / "last.safetensors").read_bytes()
    header = ck._header(raw)["__metadata__"]
    assert len(header[ck.HASH_KEY]) == 64
    ck.load_checkpoint(root / "run" / "checkpoints" / "last.safetensors")  # no error
