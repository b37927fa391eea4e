"""Sweeps on Optuna: the definition, a grid whose trials are exactly the grid, pruning, and two
worker processes sharing one SQLite study."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.errors import SpecError, WorkbenchError
from workbench.core.run_store import read_meta, runs_dir_for
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import load_project, save_project
from workbench.core.sweep.definition import apply_values, check_against, sweep_from_dict
from workbench.core.sweep.runner import SweepJob, default_storage, open_study, run_sweep, shares


def tiny_project(path: Path, epochs: int = 1, n_samples: int = 160) -> Path:
    spec = ProjectSpec.from_dict(
        {
            "name": "sweep-tiny",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": n_samples}},
            "model": {"layers": [{"type": "lstm", "hidden_size": 8}]},
            "train": {"batch_size": 16, "epochs": epochs, "device": "cpu"},
        }
    )
    save_project(spec, path)
    return path


def job_for(project: Path, sweep: dict) -> SweepJob:
    spec, base = load_project(project)
    parsed = sweep_from_dict(sweep)
    check_against(parsed, spec)
    root = runs_dir_for(project)
    return SweepJob(str(project), parsed, str(root), default_storage(root), str(base), str(project))


def trained_value(run_dir: str, path: str):
    data = json.loads((Path(run_dir) / "project.json").read_text())
    node = data
    for part in path.replace("[0]", ".0").split("."):
        node = node[int(part)] if part.isdigit() else node[part]
    return node


def test_definition_reports_every_problem_at_once():
    with pytest.raises(SpecError) as err:
        sweep_from_dict(
            {
                "sampler": "bayes",
                "direction": "up",
                "trials": 0,
                "params": {
                    "train.optimizer.lr": {"low": 0, "high": 1, "log": True},
                    "train.batch_size": {"low": 64, "high": 16},
                    "model.layers[0].type": {"choices": []},
                },
            }
        )
    text = "\n".join(err.value.problems)
    for fragment in ("sampler", "direction", "trials", "log scale", "above high", "choices"):
        assert fragment in text


def test_values_apply_by_path_and_a_new_layer_type_keeps_only_its_fields():
    spec = ProjectSpec.from_dict({"model": {"layers": [{"type": "lstm", "hidden_size": 8}]}})
    new = apply_values(spec, {"model.layers[0].type": "gru", "train.optimizer.lr": 0.01})
    assert new.model.layers[0].type == "gru" and new.model.layers[0].hidden_size == 8
    assert new.train.optimizer.lr == 0.01
    with pytest.raises(SpecError, match="no such setting"):
        apply_values(spec, {"model.layers[3].hidden_size": 4})
    bad = sweep_from_dict({"params": {"model.layers[0].dropout": {"low": 0.0, "high": 1.5}}})
    with pytest.raises(SpecError, match="dropout"):
        check_against(bad, spec)  # the top of the range is not a valid project


def test_grid_values_and_shares():
    sweep = sweep_from_dict(
        {
            "sampler": "grid",
            "params": {
                "model.layers[0].hidden_size": {"low": 16, "high": 64, "step": 16},
                "model.layers[0].dropout": {"low": 0.0, "high": 0.2, "step": 0.1},
            },
        }
    )
    assert sweep.params[0].grid() == [16, 32, 48, 64]
    assert sweep.params[1].grid() == [0.0, 0.1, 0.2]
    assert sweep.grid_size() == 12
    no_step = sweep_from_dict({"params": {"train.optimizer.lr": {"low": 1e-4, "high": 1e-2}}})
    with pytest.raises(WorkbenchError, match="grid needs"):
        no_step.params[0].grid()
    assert shares(10, 3) == [4, 3, 3] and shares(2, 8) == [1, 1]


def test_grid_sweep_trials_are_exactly_the_grid(tmp_path):
    project = tiny_project(tmp_path / "p.json")
    grid = {"model.layers[0].hidden_size": [4, 8], "train.optimizer.lr": [0.001, 0.01]}
    sweep = {
        "name": "grid",
        "sampler": "grid",
        "pruner": "none",
        "params": {k: {"choices": v} for k, v in grid.items()},
    }
    summary = run_sweep(job_for(project, sweep), trials=4, jobs=1)
    assert [t["state"] for t in summary["trials"]] == ["complete"] * 4
    tried = {tuple(trained_value(t["run_dir"], k) for k in grid) for t in summary["trials"]}
    assert tried == set(itertools.product(*grid.values()))
    for t in summary["trials"]:  # trials are ordinary runs of the store, tagged with the sweep
        meta = read_meta(t["run_dir"])
        assert meta.sweep == "grid" and meta.trial == t["number"] and "sweep:grid" in meta.tags
        assert Path(t["run_dir"]).parent == tmp_path / "p.runs"
    assert (tmp_path / "p.runs" / "sweeps.db").is_file()
    assert set(summary["importances"]) == set(grid)  # Optuna's parameter importances
    assert summary["best"]["run_dir"] in {t["run_dir"] for t in summary["trials"]}


def test_median_pruner_stops_a_bad_trial(tmp_path):
    project = tiny_project(tmp_path / "p.json", epochs=4, n_samples=320)
    sweep = {
        "name": "prune",
        "sampler": "random",
        "objective": "val_loss",
        "pruner": {"kind": "median", "startup_trials": 1, "warmup_epochs": 0},
        "params": {"train.optimizer.lr": {"low": 1e-7, "high": 0.05, "log": True}},
    }
    job = job_for(project, sweep)
    study = open_study(job.sweep, job.storage)
    study.enqueue_trial({"train.optimizer.lr": 0.03})  # learns
    study.enqueue_trial({"train.optimizer.lr": 1e-7})  # does not: worse than the median
    summary = run_sweep(job, trials=2, jobs=1)
    good, bad = summary["trials"]
    assert good["state"] == "complete"
    assert bad["state"] == "pruned"
    status = json.loads((Path(bad["run_dir"]) / "status.json").read_text())
    assert status["epoch"] < 4  # stopped early, with its checkpoint
    assert "pruned" in read_meta(bad["run_dir"]).tags


@pytest.mark.slow
def test_two_worker_processes_share_one_sqlite_study(tmp_path, capsys):
    project = tiny_project(tmp_path / "p.json")
    sweep = {
        "name": "pair",
        "sampler": "random",
        "pruner": "none",
        "params": {"model.layers[0].hidden_size": {"low": 4, "high": 12, "step": 4}},
    }
    (tmp_path / "p.sweep.json").write_text(json.dumps(sweep))
    assert main(["sweep", str(project), "--trials", "2", "--jobs", "2", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [t["state"] for t in summary["trials"]] == ["complete", "complete"]
    assert len({t["pid"] for t in summary["trials"]}) == 2  # one trial in each worker process
    assert summary["storage"] == f"sqlite:///{tmp_path / 'p.runs' / 'sweeps.db'}"
    assert len({t["run_dir"] for t in summary["trials"]}) == 2
    # --summary reads the study back without running a trial (the app's results view).
    assert main(["sweep", str(project), "--summary", "--json"]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["trials"] == summary["trials"] and again["best"] == summary["best"]


def test_sweep_user_errors_are_one_line(tmp_path, capsys):
    project = tiny_project(tmp_path / "p.json")
    assert main(["sweep", str(project)]) == 2  # no p.sweep.json beside it
    (tmp_path / "p.sweep.json").write_text('{"params": {"model.nope": {"choices": [1]}}}')
    assert main(["sweep", str(project)]) == 2
    (tmp_path / "p.sweep.json").write_text('{"params": {"train.seed": {"choices": [1]}}}')
    assert main(["sweep", str(project), "--summary"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert "no sweep file" in lines[0] and "model.nope" in lines[1]
    assert "has not run yet" in lines[2]


def test_the_stop_file_stops_the_running_trial_and_the_sweep(tmp_path):
    import threading
    import time

    from workbench.core.sweep.runner import request_stop, stop_file

    project = tiny_project(tmp_path / "p.json", epochs=200, n_samples=320)
    sweep = {
        "name": "halt",
        "sampler": "random",
        "pruner": "none",
        "params": {"model.layers[0].hidden_size": {"low": 4, "high": 8}},
    }
    job = job_for(project, sweep)
    request_stop(job.runs_root, "halt")  # an old request: the next sweep must not see it
    out: dict = {}
    worker = threading.Thread(target=lambda: out.update(run_sweep(job, trials=3, jobs=1)))
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((tmp_path / "p.runs").glob("*/steps")):
        time.sleep(0.1)  # the first trial is training
    request_stop(job.runs_root, "halt")
    worker.join(timeout=60)
    assert not worker.is_alive() and out["stopped"]
    assert [t["state"] for t in out["trials"]] == ["fail"]  # no second trial started
    status = json.loads((Path(out["trials"][0]["run_dir"]) / "status.json").read_text())
    assert status["status"] == "stopped" and status["epoch"] < 200
    assert stop_file(job.runs_root, "halt").exists()


def test_sweepable_fields_come_from_the_spec_with_their_kinds():
    from workbench.core.sweep.fields import sweepable_fields

    spec = ProjectSpec.from_dict({"model": {"layers": [{"type": "gru", "hidden_size": 8}]}})
    fields = {f.path: f for f in sweepable_fields(spec)}
    assert fields["model.layers[0].type"].choices == ("rnn", "lstm", "gru")
    assert fields["model.layers[0].hidden_size"].kind == "int"
    assert fields["train.optimizer.lr"].kind == "float"
    assert fields["train.schedule.kind"].kind == "choice"
    assert fields["model.layers[0].bidirectional"].choices == (False, True)
    assert "data.window" in fields and "data.source" not in fields
    assert "model.head.output_size" not in fields  # fitted to the data, not a setting
    for f in fields.values():  # every offered path is one the sweep can set
        apply_values(spec, {f.path: f.value})
