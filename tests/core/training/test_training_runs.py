"""Run folders: layout, the metrics log read while it is written, listing, default location."""

from __future__ import annotations

import pytest

from workbench.core.errors import TrainingError
from workbench.core.runs import RunDir, default_run_dir, list_runs, read_metrics, runs_root
from workbench.core.spec.project import ProjectSpec


def test_default_run_dir_uses_the_env_root_and_never_collides(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(tmp_path))
    assert runs_root() == tmp_path
    first = default_run_dir("my project/α")
    assert first.parent == tmp_path and first.name.startswith("my-project-")
    first.mkdir()
    second = default_run_dir("my project/α")
    assert second != first and second.parent == tmp_path


def test_create_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("hi")
    with pytest.raises(TrainingError, match="not empty"):
        RunDir.create(tmp_path / "x")


def test_metrics_log_skips_a_half_written_line_and_nan(tmp_path):
    run = RunDir.create(tmp_path / "run")
    log = run.open_log()
    log.write({"type": "step", "step": 1, "loss": 0.5})
    log.write({"type": "step", "step": 2, "loss": float("nan")})
    log.flush()
    with open(run.metrics_file, "a", encoding="utf-8") as handle:
        handle.write('{"type": "step", "st')  # a writer caught mid-line
    records = read_metrics(run.metrics_file, "step")
    assert records == [
        {"type": "step", "step": 1, "loss": 0.5},
        {"type": "step", "step": 2, "loss": None},
    ]
    log.close()


def test_status_project_and_listing(tmp_path):
    run = RunDir.create(tmp_path / "a")
    spec = ProjectSpec(name="listed")
    run.write_project(spec)
    run.write_info({"project": "listed"})
    run.write_status("stopped", epoch=2, step=40)
    assert run.read_project().name == "listed"
    assert run.read_status()["status"] == "stopped"
    (tmp_path / "not-a-run").mkdir()
    runs = list_runs(tmp_path)
    assert [(r.project, r.status, r.epoch, r.step) for r in runs] == [("listed", "stopped", 2, 40)]
