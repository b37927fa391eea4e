"""Following a run folder that another process writes (``core.run_follow``)."""

from __future__ import annotations

import math

from workbench.core.run_follow import RunFollower
from workbench.core.spec.project import ProjectSpec
from workbench.core.training.events import EpochEvent, StatusEvent, StepEvent
from workbench.core.training.session import RunOptions, start_run


def tiny() -> ProjectSpec:
    return ProjectSpec.from_dict(
        {
            "name": "follow",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 80}},
            "model": {"layers": [{"type": "gru", "hidden_size": 4}]},
            "train": {"batch_size": 16, "epochs": 2, "device": "cpu"},
        }
    )


def test_the_folder_gives_back_the_events_the_run_published(tmp_path):
    run_dir = tmp_path / "run"
    session = start_run(tiny(), None, RunOptions(run_dir=run_dir))
    live: list = []
    session.events.subscribe(live.append)
    follower = RunFollower(run_dir, samples_per_step=16)
    assert follower.poll() == []  # nothing there yet
    session.run()

    events = follower.poll()
    steps = [e for e in events if isinstance(e, StepEvent)]
    live_steps = [e for e in live if isinstance(e, StepEvent)]
    assert [(s.step, s.epoch, s.loss, s.lr) for s in steps] == [
        (s.step, s.epoch, s.loss, s.lr) for s in live_steps
    ]
    assert steps[-1].progress == 1.0 and follower.planned_steps == len(live_steps)
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    live_epochs = [e for e in live if isinstance(e, EpochEvent)]
    assert [e.epoch for e in epochs] == [1, 2]
    for got, want in zip(epochs, live_epochs):
        for name, value in want.metrics.items():
            assert math.isclose(got.metrics[name], value, rel_tol=1e-12), name
    assert [e.status for e in events if isinstance(e, StatusEvent)][-1] == "completed"
    assert follower.end is not None and follower.end["status"] == "completed"
    assert follower.poll() == []  # read once: the next poll has nothing new


def test_a_line_still_being_written_waits_for_its_end(tmp_path):
    run_dir = tmp_path / "run"
    start_run(tiny(), None, RunOptions(run_dir=run_dir)).run()
    follower = RunFollower(run_dir)
    follower.poll()
    log = run_dir / "metrics.jsonl"
    with open(log, "a", encoding="utf-8") as handle:
        handle.write('{"type": "epoch", "epoch": 3, "step": 99, "val_loss": 0.')
    assert follower.poll() == []
    with open(log, "a", encoding="utf-8") as handle:
        handle.write('5}\n{"type": "note", "step": 99, "message": "hello"}\n')
    epoch, note = follower.poll()
    assert isinstance(epoch, EpochEvent) and epoch.metrics == {"val_loss": 0.5}
    assert isinstance(note, StatusEvent) and note.message == "hello"
