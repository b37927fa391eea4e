"""Operating-system trouble is one clear error and never costs the last good checkpoint:
a full disk under the metrics log or the status, names over 255 bytes, file permissions."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from workbench.core.errors import TrainingError
from workbench.core.runs import RunDir, default_run_dir
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import load_project, save_project
from workbench.core.training import Trainer
from workbench.core.training import checkpoints as ck


def tiny(**train) -> ProjectSpec:
    return ProjectSpec.from_dict(
        {
            "name": "oserr",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 80}},
            "model": {"layers": [{"type": "gru", "hidden_size": 4}]},
            "train": {"batch_size": 16, "epochs": 1, "device": "cpu", **train},
        }
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_full_disk_under_the_metrics_log_is_one_error_and_keeps_the_checkpoint(tmp_path):
    run = tmp_path / "run"
    Trainer(tiny(), None, run_dir=run).run()
    last = run / "checkpoints" / "last.safetensors"
    before = last.read_bytes()
    (run / "metrics.jsonl").unlink()
    (run / "metrics.jsonl").symlink_to("/dev/full")  # every write: ENOSPC
    with pytest.raises(TrainingError, match="cannot write the metrics log .*No space left"):
        Trainer.resume(run, epochs=3).run()
    assert last.read_bytes() == before  # the last good checkpoint is untouched
    ck.load_checkpoint(last)


def test_a_status_that_cannot_be_written_is_one_error(tmp_path, monkeypatch):
    import workbench.core.runs as runs

    def full(path, payload):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runs, "replace_file", full)
    with pytest.raises(TrainingError, match="cannot write the run's status"):
        Trainer(tiny(), None, run_dir=tmp_path / "run").run()


def test_long_names_are_user_errors(tmp_path, monkeypatch):
    name = "x" * 300
    folder = default_run_dir(name, tmp_path)
    assert len(folder.name) < 120  # the project name is cut, the folder can be made
    with pytest.raises(TrainingError, match="run folder"):
        RunDir.create(tmp_path / ("y" * 300))
    from workbench.core.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="cannot be read|no such project"):
        load_project(tmp_path / ("z" * 300 + ".json"))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saving_a_project_keeps_its_permissions(tmp_path):
    path = tmp_path / "p.json"
    save_project(tiny(), path)
    os.chmod(path, 0o640)
    save_project(tiny(epochs=2), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert json.loads(path.read_text())["train"]["epochs"] == 2
    fresh = tmp_path / "new.json"
    save_project(tiny(), fresh)
    assert stat.S_IMODE(os.stat(fresh).st_mode) & 0o044  # readable like any new file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_fifos_and_devices_are_refused_without_blocking(tmp_path):
    from workbench.core.data.loader import inspect_data
    from workbench.core.errors import WorkbenchError
    from workbench.core.spec.project import DataSpec

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(WorkbenchError, match="not a regular file"):
        load_project(fifo)
    data = tmp_path / "pipe.csv"
    os.mkfifo(data)
    with pytest.raises(WorkbenchError, match="not a regular file"):
        inspect_data(DataSpec(source=str(data)))
    if os.path.exists("/dev/zero"):
        with pytest.raises(WorkbenchError, match="not a regular file"):
            load_project("/dev/zero")


def test_names_cannot_leave_their_folders(tmp_path):
    from workbench.core.data.loader import inspect_data
    from workbench.core.errors import WorkbenchError
    from workbench.core.spec.project import DataSpec

    with pytest.raises(WorkbenchError, match="inside"):
        load_project("example:../../pyproject")
    with pytest.raises(WorkbenchError, match="inside"):
        inspect_data(DataSpec(source="resource:../examples/seed-lstm.json"))
    import numpy as np

    np.save(tmp_path / "x.npy", np.zeros((4, 3, 2), dtype="f4"))
    np.save(tmp_path.parent / "y.npy", np.zeros(4))
    with pytest.raises(WorkbenchError, match="must be a file name"):
        inspect_data(DataSpec(source=str(tmp_path / "x.npy"), y_key="../y.npy"))


def test_an_npz_that_unpacks_past_the_free_memory_is_refused(tmp_path, monkeypatch):
    import numpy as np

    from workbench.core.data.loader import inspect_data
    from workbench.core.errors import DataError
    from workbench.core.spec.project import DataSpec

    np.savez_compressed(tmp_path / "z.npz", X=np.zeros((200, 100, 10), "f4"), y=np.zeros(200))
    assert (tmp_path / "z.npz").stat().st_size < 50_000  # 800 kB of zeros, packed
    monkeypatch.setenv("WORKBENCH_MEMORY_LIMIT", "1M")
    with pytest.raises(DataError, match="needs about .* of memory"):
        inspect_data(DataSpec(source=str(tmp_path / "z.npz")))


def test_a_model_too_large_for_memory_is_refused_before_allocating(monkeypatch):
    from workbench.core.errors import WorkbenchError
    from workbench.core.models import build_model

    spec = tiny().model
    spec.layers[0].hidden_size = 65536
    with pytest.raises(WorkbenchError, match="parameters.*needs about"):
        build_model(spec)


def test_a_wrongly_typed_value_is_a_problem_not_a_crash_in_cross_field_rules(tmp_path):
    """Found by tests/fuzz: a list where the split's fractions are added up."""
    from workbench.core.errors import SpecError
    from workbench.core.resources import examples_dir

    data = json.loads((examples_dir() / "seed-lstm.json").read_text())
    data["data"].setdefault("split", {})["val_fraction"] = []
    (tmp_path / "p.json").write_text(json.dumps(data))
    with pytest.raises(SpecError, match="val_fraction"):
        load_project(tmp_path / "p.json")


def test_a_list_as_layer_type_is_a_problem(tmp_path):
    """Found by tests/fuzz: ``"type": []`` crashed the layer registry lookup."""
    from workbench.core.errors import SpecError
    from workbench.core.resources import examples_dir

    data = json.loads((examples_dir() / "seed-lstm.json").read_text())
    data["model"]["layers"][0]["type"] = []
    (tmp_path / "p.json").write_text(json.dumps(data))
    with pytest.raises(SpecError, match="unknown layer type"):
        load_project(tmp_path / "p.json")


def test_a_long_row_with_a_quoted_comma_is_a_user_error(tmp_path):
    """Found by tests/fuzz: the extra field of a long row reached a number column as '1,5'
    and pandas' ValueError escaped (no cell of the file's columns was to blame)."""
    from workbench.core.data import inspect_data
    from workbench.core.errors import DataError
    from workbench.core.spec.project import DataSpec

    path = tmp_path / "f.csv"
    path.write_text('0,:\n0,0,"1,5"\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 2 has 3 fields, expected 2"):
        inspect_data(DataSpec(source=str(path), task="forecasting", window=1))
