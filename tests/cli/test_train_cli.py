"""`workbench train` / `workbench resume`: JSON contract, human output, user errors, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.runs import read_metrics
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import save_project


def tiny_project(path: Path, epochs: int = 2, **train) -> Path:
    spec = ProjectSpec.from_dict(
        {
            "name": "cli-tiny",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 160}},
            "model": {"layers": [{"type": "lstm", "hidden_size": 8}]},
            "train": {"batch_size": 16, "epochs": epochs, "device": "cpu", **train},
        }
    )
    save_project(spec, path)
    return path


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_train_json_contract(tmp_path, capsys):
    project = tiny_project(tmp_path / "p.json")
    code = main(
        [
            "train",
            str(project),
            "--epochs",
            "2",
            "--seed",
            "3",
            "--json",
            "--run-dir",
            str(tmp_path / "run"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    result = last_json(out)
    assert result["status"] == "completed" and result["epochs"] == 2
    assert result["steps"] == 2 * 7  # 112 training sequences / 16
    for key in ("train_loss", "val_loss", "val_accuracy", "test_accuracy", "samples_per_s"):
        assert isinstance(result[key], float), key
    assert result["run_dir"] == str(tmp_path / "run")
    saved = json.loads((tmp_path / "run" / "project.json").read_text())
    assert saved["train"]["seed"] == 3 and saved["train"]["epochs"] == 2
    # honest: which weights each split's figures come from, the wall time, the obvious guess
    best = result["best_epoch"]
    assert result["val_from"] == "epoch 2, the last"
    assert result["test_from"] == f"best checkpoint, epoch {best}"
    assert 0 < result["wall_time_s"] < 600
    assert 0 < result["test_baseline_accuracy"] < 1
    assert result["baseline"] == "majority class of the training split"
    from workbench.core.training.checkpoints import load_checkpoint

    _, meta = load_checkpoint(tmp_path / "run" / "checkpoints" / "best.safetensors")
    assert meta["kind"] == "best" and meta["epoch"] == best


def test_train_human_output_and_default_run_dir(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(tmp_path / "runs"))
    project = tiny_project(tmp_path / "p.json", epochs=1)
    assert main(["train", str(project)]) == 0
    captured = capsys.readouterr()
    assert "status:  completed" in captured.out
    assert "val_accuracy" in captured.out
    assert "wall time: 0:00:" in captured.out
    assert "validation (epoch 1, the last):" in captured.out
    assert "test (best checkpoint, epoch 1):" in captured.out
    assert "baseline: majority class of the training split" in captured.out
    assert "epoch 1/1:" in captured.err  # per-epoch line on stderr
    assert not (tmp_path / "runs").exists()  # a saved project's runs live beside it
    runs = list((tmp_path / "p.runs").iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("0001-")
    assert f"run:     {runs[0]}" in captured.out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["train", "no/such/project.json"], "no such project file"),
        (["train", "example:nope"], "no example named"),
        (["train", "PROJECT", "--epochs", "0"], "must be ≥ 1"),
        (["train", "PROJECT", "--device", "tpu"], "device"),
        (["train", "PROJECT", "--device", "cuda:7"], "cuda"),
        (["resume", "no/such/run"], "no such run folder"),
    ],
)
def test_user_errors_exit_2_with_one_line(argv, fragment, tmp_path, capsys):
    project = tiny_project(tmp_path / "p.json")
    argv = [str(project) if a == "PROJECT" else a for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse rejects bad options itself, with the same contract
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0]
    assert "Traceback" not in err


def test_diverged_run_prints_json_then_exits_2(tmp_path, capsys):
    spec = ProjectSpec.from_dict(
        {
            "name": "cli-diverge",
            "data": {
                "source": "builtin:adding",
                "builtin": {"n_samples": 160, "length": 8},
                "task": "regression",
                "normalization": "none",
            },
            "model": {"layers": [{"type": "lstm", "hidden_size": 8}]},
            "train": {
                "batch_size": 16,
                "epochs": 3,
                "device": "cpu",
                "optimizer": {"name": "sgd", "lr": 10.0},
            },
        }
    )
    save_project(spec, tmp_path / "p.json")
    code = main(["train", str(tmp_path / "p.json"), "--json", "--run-dir", str(tmp_path / "run")])
    captured = capsys.readouterr()
    assert code == 2
    assert last_json(captured.out)["status"] == "diverged"
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: training diverged")
    assert "lower the learning rate" in lines[0]


def test_ctrl_c_stops_with_a_checkpoint_and_resume_finishes(tmp_path, capsys):
    project = tiny_project(tmp_path / "p.json", epochs=400)
    run_dir = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench",
            "train",
            str(project),
            "--json",
            "--run-dir",
            str(run_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not read_metrics(run_dir / "metrics.jsonl", "epoch"):
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err  # the documented code of a run stopped by the user
    assert len(out.strip().splitlines()) == 1  # --json: one object on stdout
    result = last_json(out)
    assert result["status"] == "stopped" and 0 < result["epochs"] < 400
    assert (run_dir / "checkpoints" / "last.safetensors").is_file()
    # Resume it, capped to one more epoch than it finished.
    code = main(["resume", str(run_dir), "--epochs", str(result["epochs"] + 1), "--json"])
    assert code == 0
    resumed = last_json(capsys.readouterr().out)
    assert resumed["status"] == "completed" and resumed["epochs"] == result["epochs"] + 1
    assert resumed["steps"] == 7 * (result["epochs"] + 1)


def test_resume_of_a_finished_run_is_a_user_error(tmp_path, capsys):
    project = tiny_project(tmp_path / "p.json", epochs=1, max_steps=3)
    assert main(["train", str(project), "--json", "--run-dir", str(tmp_path / "run")]) == 0
    assert last_json(capsys.readouterr().out)["steps"] == 3
    assert main(["resume", str(tmp_path / "run"), "--epochs", "2", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "already finished" in err


def test_char_lm_prints_a_sample(tmp_path, capsys):
    (tmp_path / "t.txt").write_text("to be or not to be, that is the question. " * 20)
    spec = ProjectSpec.from_dict(
        {
            "name": "cli-lm",
            "data": {"source": "t.txt", "task": "language_model", "seq_len": 10},
            "model": {
                "input": {"kind": "tokens", "embedding_dim": 8},
                "layers": [{"type": "gru", "hidden_size": 16}],
                "head": {"kind": "per_step"},
            },
            "train": {"batch_size": 4, "epochs": 1, "device": "cpu"},
        }
    )
    save_project(spec, tmp_path / "lm.json")
    assert (
        main(["train", str(tmp_path / "lm.json"), "--json", "--run-dir", str(tmp_path / "r1")]) == 0
    )
    result = last_json(capsys.readouterr().out)
    assert {"val_perplexity", "val_bpc", "sample"} <= set(result)
    sample = result["sample"]
    assert sample.startswith("\n") and len(sample) == 301 and "<unk>" not in sample
    assert main(["train", str(tmp_path / "lm.json"), "--run-dir", str(tmp_path / "r2")]) == 0
    assert "sample (temperature 0.8):" in capsys.readouterr().out
