"""One process per run folder (an OS file lock), refused resumes leave the run alone, and a
resume without run.json does not guess where relative data paths start."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from workbench.core.errors import TrainingError, WorkbenchError
from workbench.core.runlock import RunLock, holder
from workbench.core.runs import RunDir
from workbench.core.spec.project import ProjectSpec
from workbench.core.training import Trainer


def tiny(**train) -> ProjectSpec:
    return ProjectSpec.from_dict(
        {
            "name": "lock",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 80}},
            "model": {"layers": [{"type": "gru", "hidden_size": 4}]},
            "train": {"batch_size": 16, "epochs": 1, "device": "cpu", **train},
        }
    )


def test_a_held_run_folder_is_refused_naming_the_holder(tmp_path):
    run = tmp_path / "run"
    Trainer(tiny(), None, run_dir=run).run()
    before = (run / "status.json").read_text()
    lock = RunLock(run)
    lock.acquire()
    try:
        assert holder(run) is not None and str(os.getpid()) in holder(run)
        with pytest.raises(TrainingError, match=rf"in use by process {os.getpid()}"):
            Trainer.resume(run, epochs=2).run()
        with pytest.raises(TrainingError, match="in use by process"):
            Trainer(tiny(), None, run_dir=run).run()
    finally:
        lock.release()
    assert (run / "status.json").read_text() == before  # refused: the status is untouched
    assert holder(run) is None
    assert Trainer.resume(run, epochs=2).run().status == "completed"
    assert holder(run) is None  # released at the end of the run


def test_the_lock_goes_with_a_killed_process(tmp_path):
    code = (
        "import os, sys, signal; from workbench.core.runlock import RunLock; "
        "RunLock(sys.argv[1]).acquire(); print('locked', flush=True); "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True)
    assert out.stdout.strip() == b"locked" and out.returncode < 0
    assert holder(tmp_path) is None  # no stale lock to clean up by hand
    RunLock(tmp_path).acquire()


def test_a_refused_resume_keeps_a_finished_runs_status(tmp_path):
    run = tmp_path / "run"
    Trainer(tiny(), None, run_dir=run).run()
    with pytest.raises(TrainingError, match="already finished"):
        Trainer.resume(run).run()
    assert RunDir(run).read_status()["status"] == "completed"  # not `failed`


def test_resume_without_run_json_refuses_a_relative_data_path(tmp_path, monkeypatch):
    data = tmp_path / "project"
    data.mkdir()
    (data / "t.txt").write_text("abcdefgh " * 40, encoding="utf-8")
    spec = ProjectSpec.from_dict(
        {
            "name": "rel",
            "data": {"source": "t.txt", "task": "language_model", "seq_len": 4},
            "model": {
                "input": {"kind": "tokens", "embedding_dim": 4},
                "layers": [{"type": "gru", "hidden_size": 4}],
                "head": {"kind": "per_step"},
            },
            "train": {"batch_size": 4, "epochs": 1, "device": "cpu", "max_steps": 2},
        }
    )
    run = tmp_path / "run"
    Trainer(spec, data, run_dir=run).run()
    assert json.loads((run / "run.json").read_text())["base_dir"] == str(data.resolve())
    (run / "run.json").write_text("{not json")
    # A different file of that name where the resume is started: it must not be trained on.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.txt").write_text("zzzz " * 40, encoding="utf-8")
    with pytest.raises(WorkbenchError, match="run.json is missing or unreadable.*'t.txt'"):
        Trainer.resume(run, epochs=2)
