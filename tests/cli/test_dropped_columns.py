"""Columns left out without being asked are named on every surface, with the reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from workbench.core.data import inspect_data
from workbench.core.spec.project import DataSpec

CSV = "when,station,temp,flag\n" + "".join(
    f"2020-01-{d:02d},north,{d * 0.5},{'ok' if d % 2 else 'bad'}\n" for d in range(1, 29)
)


def test_wide_csv_names_dropped_text_columns_in_summary_text_and_json(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(CSV)
    summary = inspect_data(DataSpec(source=str(path), task="forecasting", window=3))
    assert summary.feature_names == ["temp"]
    assert summary.dropped_columns == {
        "station": "text (line 2: 'north')",
        "flag": "text (line 2: 'ok')",
    }
    assert "columns left out  'station' text (line 2: 'north'); 'flag'" in summary.to_text()
    assert summary.to_dict()["dropped_columns"][0] == {
        "name": "station",
        "reason": "text (line 2: 'north')",
    }


def test_long_csv_names_dropped_columns(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("id,v,comment,label\na,1,hi,x\na,2,yo,x\nb,3,hm,y\n")
    summary = inspect_data(DataSpec(source=str(path), id_column="id", target_columns=["label"]))
    assert list(summary.dropped_columns) == ["comment"]


@pytest.mark.slow
def test_inspect_and_train_json_name_them(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(CSV)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    run = [sys.executable, "-m", "workbench", "data", "inspect", str(path), "--window", "3"]
    human = subprocess.run(run, capture_output=True, text=True, env=env)
    assert "columns left out" in human.stdout and "'station'" in human.stdout
    as_json = subprocess.run([*run, "--json"], capture_output=True, text=True, env=env)
    info = json.loads(as_json.stdout.strip().splitlines()[-1])
    assert [c["name"] for c in info["dropped_columns"]] == ["station", "flag"]
    assert info["preview_parsed"][0] == [None, None, 0.5, None]
    project = {
        "format_version": 1,
        "data": {"source": "w.csv", "task": "forecasting", "window": 3},
        "model": {"layers": [{"type": "gru", "hidden_size": 4}]},
        "train": {"epochs": 1, "batch_size": 8},
    }
    (tmp_path / "p.json").write_text(json.dumps(project))
    train = [sys.executable, "-m", "workbench", "train", str(tmp_path / "p.json")]
    train += ["--run-dir", str(tmp_path / "run")]
    out = subprocess.run([*train, "--json"], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert [c["name"] for c in result["dropped_columns"]] == ["station", "flag"]


def test_train_summary_for_humans_names_them(capsys):
    from workbench.commands.train import print_summary

    out = {"status": "completed", "epochs": 1, "steps": 3, "run_dir": "r", "train_loss": 0.5}
    out["dropped_columns"] = [{"name": "station", "reason": "text (line 2: 'north')"}]
    print_summary(out)
    shown = capsys.readouterr().out
    assert "left out: 'station' text (line 2: 'north')" in shown
    assert "dropped_columns" not in shown
