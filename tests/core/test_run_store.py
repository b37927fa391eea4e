"""The run store: where runs live, their names, notes, tags, star, delete/restore, listing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from run_helpers import fake_run, spec_with

from workbench.core import run_store as store
from workbench.core.errors import WorkbenchError
from workbench.core.run_summary import differing_settings, list_summaries, settings_diff, summarize
from workbench.core.runs import RunDir


def test_location_rules_do_not_depend_on_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(tmp_path / "user" / "runs"))
    project = tmp_path / "work" / "forecast.json"
    project.parent.mkdir()
    project.write_text("{}")
    expected = tmp_path / "work" / "forecast.runs"
    for cwd in (tmp_path, project.parent):
        monkeypatch.chdir(cwd)
        rel = os.path.relpath(project, cwd)
        assert store.runs_dir_for(rel) == expected
        assert store.runs_dir_for(project) == expected
    assert store.runs_dir_for("example:seed-lstm") == tmp_path / "user/runs/examples/seed-lstm"
    assert store.runs_dir_for(None, "ab12") == tmp_path / "user/runs/unsaved/ab12"


def test_user_data_folder_comes_from_platformdirs(monkeypatch):
    import platformdirs

    monkeypatch.delenv("WORKBENCH_RUNS_DIR")
    expected = platformdirs.user_data_path("sequence-workbench", appauthor=False) / "runs"
    assert store.user_runs_root() == expected


@pytest.mark.parametrize(
    ("lr", "text"),
    [(1e-3, "1e-3"), (3e-4, "3e-4"), (0.0015, "1.5e-3"), (0.1, "1e-1"), (2.0, "2e0")],
)
def test_learning_rates_read_short(lr, text):
    assert store.format_lr(lr) == text


def test_default_names_are_readable_and_numbered(tmp_path):
    first = store.new_run_dir(tmp_path, spec_with(64, 1e-3))
    second = store.new_run_dir(tmp_path, spec_with(32, 3e-4, "gru", n_layers=2))
    assert store.read_meta(first).name == "lstm-64 lr 1e-3 #1"
    assert store.read_meta(second).name == "gru-32x2 lr 3e-4 #2"
    assert first.name == "0001-lstm-64-lr-1e-3" and second.name.startswith("0002-")
    (tmp_path / "0007-elsewhere").mkdir()  # numbers never go back, even past foreign folders
    assert store.read_meta(store.new_run_dir(tmp_path, spec_with())).number == 8


def test_rename_notes_tags_star_persist_and_bad_names_are_refused(tmp_path):
    run = fake_run(tmp_path, spec_with())
    store.update_meta(run, name="baseline", notes="first try", tags=["a", "b"], starred=True)
    meta = store.read_meta(run)
    assert (meta.name, meta.notes, meta.tags, meta.starred) == (
        "baseline",
        "first try",
        ["a", "b"],
        True,
    )
    with pytest.raises(WorkbenchError, match="cannot be empty"):
        store.update_meta(run, name="  ")
    assert store.find_run("baseline", tmp_path) == run
    assert store.find_run("#1", tmp_path) == run
    with pytest.raises(WorkbenchError, match="no run"):
        store.find_run("9", tmp_path)


def test_delete_goes_to_the_trash_and_restores(tmp_path):
    keep = fake_run(tmp_path, spec_with())
    gone = fake_run(tmp_path, spec_with(32))
    trashed = store.delete_run(gone)
    assert not gone.exists() and trashed.is_dir()
    assert [s.path for s in list_summaries(tmp_path)] == [keep]  # the trash is not listed
    assert store.restore_run(trashed) == gone and gone.is_dir()
    running = fake_run(tmp_path, spec_with(16), status="running")
    with pytest.raises(WorkbenchError, match="still training"):
        store.delete_run(running)


def test_unsaved_runs_move_beside_the_project_on_first_save(tmp_path):
    unsaved = tmp_path / "user" / "unsaved" / "x"
    done = fake_run(unsaved, spec_with())
    busy = fake_run(unsaved, spec_with(32), status="running")
    moved = store.move_runs([done, busy], store.project_runs_dir(tmp_path / "p.json"))
    assert moved == [tmp_path / "p.runs" / done.name]
    assert not done.exists() and busy.exists()  # a run still being written stays
    assert summarize(moved[0]).metrics["val_loss"] == 0.5


def test_old_runs_folders_stay_readable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = RunDir.create(tmp_path / "runs" / "demo-20261101-101010")
    old.write_project(spec_with())
    old.write_info({"project": "demo", "created": "2026-11-01T10:10:10+0000"})
    other = RunDir.create(tmp_path / "runs" / "other-20261101-101010")
    other.write_project(spec_with())
    other.write_info({"project": "other"})
    project = tmp_path / "demo.json"
    new = fake_run(store.runs_dir_for(project), spec_with(32))
    found = list_summaries(store.runs_dir_for(project), store.legacy_roots(project), "demo")
    assert [s.path for s in found] == [new, old.path]
    assert found[1].name == "demo-20261101-101010"


def test_summary_has_final_metrics_and_the_differing_settings(tmp_path):
    a = summarize(fake_run(tmp_path, spec_with(64, 1e-3), val_accuracy=0.9))
    b = summarize(fake_run(tmp_path, spec_with(32, 1e-3), val_accuracy=0.8))
    c = summarize(fake_run(tmp_path, spec_with(32, 1e-2, "gru"), val_accuracy=0.7))
    assert a.metrics["val_accuracy"] == 0.9 and a.status == "completed"
    assert differing_settings([a, b]) == ["model.layers[0].hidden_size"]
    assert set(differing_settings([a, b, c])) == {
        "model.layers[0].type",
        "model.layers[0].hidden_size",
        "model.layers[0].proj_size",  # an LSTM field a GRU lacks: a missing value differs
        "train.optimizer.lr",
    }
    assert differing_settings([a]) == []
    claimed = summarize(store.new_run_dir(tmp_path, spec_with(8)))  # a trial about to start
    assert claimed.status == "starting"
    assert differing_settings([a, b, claimed]) == ["model.layers[0].hidden_size"]
    diff = {k: (x, y) for k, x, y in settings_diff(a, c)}
    assert diff["train.optimizer.lr"] == (1e-3, 1e-2)
    assert diff["model.layers[0].type"] == ("lstm", "gru")


def test_listing_again_rereads_only_runs_whose_files_changed(tmp_path, monkeypatch):
    from workbench.core import run_summary

    a = fake_run(tmp_path, spec_with(64), val_accuracy=0.5)
    fake_run(tmp_path, spec_with(32), val_accuracy=0.6)
    first = {s.path: s for s in list_summaries(tmp_path)}
    reads: list[Path] = []
    real = run_summary._read_summary
    monkeypatch.setattr(
        run_summary, "_read_summary", lambda run, status: reads.append(run) or real(run, status)
    )
    again = {s.path: s for s in list_summaries(tmp_path)}
    assert reads == [] and all(again[p] is first[p] for p in first)  # nothing changed
    store.update_meta(a, name="renamed")
    with open(a / "metrics.jsonl", "a") as log:  # the log grows (a live run)
        log.write(json.dumps({"type": "epoch", "epoch": 3, "step": 30, "val_accuracy": 0.9}) + "\n")
    after = {s.path: s for s in list_summaries(tmp_path)}
    assert reads == [a]
    assert after[a].name == "renamed" and after[a].metrics["val_accuracy"] == 0.9
