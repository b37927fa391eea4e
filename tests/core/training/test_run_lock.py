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


def test_the_posix_lock_is_per_open_file_and_says_who_holds_it(tmp_path):
    first, second = RunLock(tmp_path), RunLock(tmp_path)
    first.acquire()
    record = json.loads((tmp_path / ".lock").read_text())
    assert record["pid"] == os.getpid() and record["command"].startswith("workbench")
    with pytest.raises(TrainingError, match=rf"in use by process {os.getpid()} on "):
        second.acquire()  # flock: a second open file is refused, even in the same process
    first.release()
    assert holder(tmp_path) is None and (tmp_path / ".lock").read_text() == ""
    second.acquire()
    assert second.held
    second.release()


def test_a_file_system_without_locks_is_a_clear_error(tmp_path, monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(TrainingError, match="cannot lock the run folder .No locks available"):
        RunLock(tmp_path).acquire()
    assert holder(tmp_path) is None


class FakeMsvcrt:
    """``msvcrt.locking`` as the CRT documents it: ``nbytes`` from the descriptor's position,
    per handle; LK_NBLCK on a region another handle holds fails with EACCES. Records calls."""

    LK_UNLCK, LK_NBLCK = 0, 2

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int]] = []
        self.held: dict[tuple[int, int], int] = {}  # (inode, offset) -> fd

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        import errno

        pos = os.lseek(fd, 0, os.SEEK_CUR)
        self.calls.append((pos, mode, nbytes))
        key = (os.fstat(fd).st_ino, pos)
        if mode == self.LK_UNLCK:
            if self.held.get(key) != fd:
                raise PermissionError(errno.EACCES, "not locked")
            del self.held[key]
        elif key in self.held:
            raise PermissionError(errno.EACCES, "Permission denied")
        else:
            self.held[key] = fd


def test_the_windows_branch_locks_one_byte_past_the_text(tmp_path, monkeypatch):
    """The msvcrt calls, against a fake that follows the CRT's documented semantics (there
    is no Windows runner: the real locking is untested)."""
    from workbench.core import runlock

    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setattr(runlock, "_WINDOWS", True)
    first, second = RunLock(tmp_path), RunLock(tmp_path)
    first.acquire()
    assert fake.calls == [(runlock._WIN_OFFSET, fake.LK_NBLCK, 1)]
    with pytest.raises(TrainingError, match=rf"in use by process {os.getpid()}"):
        second.acquire()  # the holder's record is readable: the locked byte is past it
    assert str(os.getpid()) in (holder(tmp_path) or "")
    first.release()
    assert fake.calls[-1] == (runlock._WIN_OFFSET, fake.LK_UNLCK, 1) and not fake.held
    assert holder(tmp_path) is None
    second.acquire()
    second.release()
    assert not fake.held
