"""`workbench runs list|show|rename|annotate|delete|restore` on a real (tiny) run."""

from __future__ import annotations

import json

from test_train_cli import last_json, tiny_project

from workbench.cli import main


def test_runs_commands_round_trip(tmp_path, capsys, monkeypatch):
    project = tiny_project(tmp_path / "p.json", epochs=1)
    monkeypatch.chdir(tmp_path / "..")  # the store is found from the project, not the cwd
    assert main(["train", str(project), "--json"]) == 0
    run_dir = last_json(capsys.readouterr().out)["run_dir"]
    assert run_dir.startswith(str(tmp_path / "p.runs"))

    assert main(["runs", "list", str(project), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["runs"]
    assert [r["name"] for r in listed] == ["lstm-8 lr 1e-3 #1"]
    assert listed[0]["status"] == "completed" and "val_accuracy" in listed[0]["metrics"]

    assert main(["runs", "rename", "-p", str(project), "1", "small baseline"]) == 0
    args = ["runs", "annotate", run_dir, "--notes", "looks fine", "--tag", "base", "--star"]
    assert main([*args, "--json"]) == 0
    meta = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (meta["name"], meta["notes"], meta["tags"], meta["starred"]) == (
        "small baseline",
        "looks fine",
        ["base"],
        True,
    )
    assert main(["runs", "show", "-p", str(project), "small baseline", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["settings"]["model.layers[0].hidden_size"] == 8

    assert main(["runs", "delete", "-p", str(project), "1", "--json"]) == 0
    trash = json.loads(capsys.readouterr().out)["trash"]
    assert main(["runs", "list", str(project)]) == 0
    assert "no runs" in capsys.readouterr().out
    assert main(["runs", "restore", trash]) == 0
    assert main(["runs", "list", str(project)]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("★") and "small baseline" in line and "[base]" in line


def test_runs_user_errors_are_one_line(tmp_path, capsys):
    project = tiny_project(tmp_path / "p.json", epochs=1)
    for argv in (
        ["runs", "show", str(tmp_path / "nope")],
        ["runs", "show", "-p", str(project), "3"],
        ["runs", "list"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ")
