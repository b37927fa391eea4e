"""Per-step metrics as arrays beside the event log: written in chunks, merged at the end,
read while training, cut back to a checkpoint, and old JSON-lines runs still read."""

from __future__ import annotations

import json

import numpy as np

from workbench.core import step_store
from workbench.core.run_history import load_run_curves
from workbench.core.runs import RunDir, read_metrics
from workbench.core.spec.project import ProjectSpec


def new_run(tmp_path, name="run") -> RunDir:
    run = RunDir.create(tmp_path / name)
    run.write_project(ProjectSpec())
    return run


def test_steps_are_arrays_not_log_lines_and_readable_while_written(tmp_path, monkeypatch):
    monkeypatch.setattr(step_store, "CHUNK_ROWS", 4)  # several chunks from a few steps
    run = new_run(tmp_path)
    log = run.open_log()
    for s in range(1, 11):
        log.write_step(s, 1, 1.0 / s, 0.01, 0.5)
    log.write({"type": "epoch", "epoch": 1, "step": 10, "val_loss": 0.3})
    log.flush()
    assert len(list((run.path / "steps").glob("0*.npy"))) == 3  # 4 + 4 + 2 rows
    live = step_store.read_steps(run.path)  # while the run is still open
    assert live["step"].tolist() == list(range(1, 11))
    log.close()
    assert [p.name for p in (run.path / "steps").iterdir()] == ["steps.npy"]  # merged
    assert '"type": "step"' not in run.metrics_file.read_text()  # the event log stays small
    steps, epochs = load_run_curves(run.path)
    assert np.allclose(steps["loss"], 1.0 / np.arange(1, 11)) and steps["lr"][0] == 0.01
    assert epochs["val_loss"].tolist() == [0.3]
    assert [r["step"] for r in read_metrics(run.metrics_file, "step")] == list(range(1, 11))


def test_resume_cuts_steps_after_the_checkpoint_and_a_retrained_step_counts_once(tmp_path):
    run = new_run(tmp_path)
    log = run.open_log()
    for s in range(1, 8):
        log.write_step(s, 1, float(s), 0.01, 0.5)
    log.close()
    assert step_store.truncate_steps(run.path, 5) == 2  # the checkpoint was at step 5
    log = run.open_log()  # resumed: steps 4..7 trained again (4, 5 also logged before)
    for s in range(4, 8):
        log.write_step(s, 1, 10.0 * s, 0.01, 0.5)
    log.close()
    steps = step_store.read_steps(run.path)
    assert steps["step"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert steps["loss"].tolist() == [1, 2, 3, 40, 50, 60, 70]  # the last value of each


def test_old_runs_with_step_lines_stay_readable(tmp_path):
    run = new_run(tmp_path, "old")
    lines = [{"type": "step", "step": s, "epoch": 1, "loss": 2.0 / s, "lr": 0.1} for s in (1, 2)]
    lines.append({"type": "epoch", "epoch": 1, "step": 2, "val_loss": 0.7})
    run.metrics_file.write_text("".join(json.dumps(r) + "\n" for r in lines))
    steps, epochs = load_run_curves(run.path)
    assert steps["step"].tolist() == [1, 2] and steps["loss"].tolist() == [2.0, 1.0]
    assert epochs["val_loss"].tolist() == [0.7]
