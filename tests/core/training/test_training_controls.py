"""Controls from other threads: stop, pause (a blocking wait), step(n), set_lr; event bus."""

from __future__ import annotations

import threading
import time

import pytest

from workbench.core.runs import read_metrics
from workbench.core.spec.project import ProjectSpec
from workbench.core.training import EventBus, StatusEvent, Trainer, TrainerControl


def project(**train) -> ProjectSpec:
    return ProjectSpec.from_dict(
        {
            "name": "tiny",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 160}},
            "model": {"layers": [{"type": "gru", "hidden_size": 8}]},
            "train": {"batch_size": 16, "epochs": 2, "device": "cpu", **train},
        }
    )


def test_pause_is_a_blocking_wait_and_step_runs_exactly_n(tmp_path):
    trainer = Trainer(project(epochs=3), None, run_dir=tmp_path / "run")
    steps: list = []
    paused = threading.Event()
    statuses: list[str] = []

    def listen(event):
        if event.kind == "step":
            steps.append(event)
        elif event.kind == "status":
            statuses.append(event.status)
            # Notes (e.g. "learning rate set …") repeat the current status with a message.
            if event.status == "paused" and event.message.startswith("paused"):
                paused.set()

    trainer.events.subscribe(listen)
    trainer.control.pause()  # before the first step
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("r", trainer.run()))
    worker.start()
    try:
        assert paused.wait(60)
        assert steps == []
        # Paused means waiting, not spinning: the training thread burns (almost) no CPU.
        time.sleep(0.2)  # let any spinning OpenMP workers go to sleep first
        proc0 = time.process_time()
        time.sleep(0.5)
        assert time.process_time() - proc0 < 0.2, "paused loop is busy-waiting"
        paused.clear()
        trainer.control.step(3)
        assert paused.wait(60)
        assert [e.step for e in steps] == [1, 2, 3]
        paused.clear()
        trainer.control.set_lr(0.05)  # while paused: applied to the next steps, logged
        trainer.control.step(2)
        assert paused.wait(60)
        assert [e.step for e in steps] == [1, 2, 3, 4, 5]
        assert steps[3].lr == pytest.approx(0.05) and steps[2].lr == pytest.approx(1e-3)
        trainer.control.resume()
    finally:
        trainer.control.resume()
        worker.join(120)
    result = outcome["r"]
    assert result.status == "completed"
    assert result.steps == 3 * trainer.steps_per_epoch
    assert statuses.count("paused") == 4 and statuses[-1] == "completed"  # 3 pauses + 1 note
    lr_records = read_metrics(tmp_path / "run" / "metrics.jsonl", "lr")
    assert lr_records == [{"type": "lr", "step": 3, "lr": 0.05, "by": "hand"}]


def test_stop_from_another_thread_checkpoints_and_ends_stopped(tmp_path):
    trainer = Trainer(project(epochs=50), None, run_dir=tmp_path / "run")
    stepped = threading.Event()
    trainer.events.subscribe(lambda e: stepped.set() if e.kind == "step" and e.step >= 4 else None)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("r", trainer.run()))
    worker.start()
    assert stepped.wait(60)
    trainer.control.stop()
    worker.join(60)
    result = outcome["r"]
    assert result.status == "stopped"
    assert result.epochs < 50
    from workbench.core.training.checkpoints import load_checkpoint

    _, meta = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert meta["position"]["step"] == result.steps
    assert "workbench resume" in result.hint


def test_stop_while_paused(tmp_path):
    trainer = Trainer(project(), None, run_dir=tmp_path / "run")
    paused = threading.Event()
    trainer.events.subscribe(
        lambda e: paused.set() if e.kind == "status" and e.status == "paused" else None
    )
    trainer.control.step(2)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("r", trainer.run()))
    worker.start()
    assert paused.wait(60)
    trainer.control.stop()
    worker.join(60)
    assert outcome["r"].status == "stopped" and outcome["r"].steps == 2


def test_control_unit_behaviour():
    ctl = TrainerControl()
    assert not ctl.pending
    with pytest.raises(ValueError):
        ctl.set_lr(0)
    with pytest.raises(ValueError):
        ctl.set_lr(float("nan"))
    with pytest.raises(ValueError):
        ctl.step(0)
    applied = []
    ctl.set_lr(0.1)
    assert ctl.pending
    assert ctl.between_steps(applied.append, lambda: None, lambda: None) is False
    assert applied == [0.1] and not ctl.pending
    ctl.stop()
    assert ctl.between_steps(applied.append, lambda: None, lambda: None) is True


def test_event_bus_drops_a_failing_subscriber():
    bus = EventBus()
    got = []

    def bad(event):
        raise RuntimeError("broken view")

    bus.subscribe(bad)
    unsubscribe = bus.subscribe(got.append)
    bus.publish(StatusEvent("running"))
    bus.publish(StatusEvent("paused"))
    assert [e.status for e in got] == ["running", "paused"]
    unsubscribe()
    bus.publish(StatusEvent("completed"))
    assert len(got) == 2 and not bus
