"""Kill -9 a real `workbench train` at several moments, resume it, and get bit-identical weights.

Each run is the real command line (``cli.main``) in its own process, forked by
``crash_driver.py`` so torch is imported once; the driver makes a run SIGKILL itself at an
exact moment — right after a given step, or half-way through writing a checkpoint's temp file —
or kills it from outside at whatever moment it reached. Every killed run is resumed with
`workbench resume` (some twice: the resume is killed too) and must end with the weights and
optimizer state of the uninterrupted run, bit for bit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load_file

from workbench.core.runs import RunDir, read_metrics
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import save_project

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the driver forks (POSIX)")

EPOCHS, STEPS_PER_EPOCH = 3, 7  # 112 training sequences / batch 16
KILLED = -signal.SIGKILL
DRIVER = Path(__file__).with_name("crash_driver.py")

#: name → the jobs run one after the other on the run folder of that name.
SCENARIOS = {
    # In the middle of epoch 2: the resume starts from the end of epoch 1.
    "mid-epoch": [("train", ["step", 11]), ("resume", None)],
    # Half-way through writing epoch 2's checkpoint: the log already holds epoch 2 and is cut.
    "checkpoint-write": [("train", ["write", 3]), ("resume", None)],
    # At the very first checkpoint write of a resume (the epoch-end restore path, twice).
    "resume-killed": [("train", ["step", 8]), ("resume", ["write", 1]), ("resume", None)],
    # From outside, at whatever moment the first epoch was done.
    "outside": [("train", ["outside", 0]), ("resume", None)],
}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> tuple[Path, dict, dict[str, list[dict]]]:
    root = tmp_path_factory.mktemp("crash")
    spec = ProjectSpec.from_dict(
        {
            "name": "crash",
            "data": {"source": "builtin:seed", "builtin": {"n_samples": 160}},
            # Dropout (global RNG), shuffling (data generator), Adam moments, a per-step
            # schedule and clipping: everything the resume point has to carry.
            "model": {
                "layers": [
                    {"type": "lstm", "hidden_size": 8},
                    {"type": "dropout", "p": 0.3},
                    {"type": "gru", "hidden_size": 8},
                ]
            },
            "train": {
                "batch_size": 16,
                "epochs": EPOCHS,
                "device": "cpu",
                "schedule": {"kind": "cosine"},
                "clip": {"mode": "norm", "max_value": 0.5},
            },
        }
    )
    project = root / "p.json"
    save_project(spec, project)
    jobs, owners = [], []
    for name, steps in {"reference": [("train", None)], **SCENARIOS}.items():
        run = root / name
        for command, kill in steps:
            argv = ["train", str(project), "--run-dir", str(run)] if command == "train" else []
            argv = argv or ["resume", str(run)]
            jobs.append({"argv": [*argv, "--json"], "run": str(run), "kill": kill})
            owners.append(name)
    (root / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(DRIVER), str(root / "jobs.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    results: dict[str, list[dict]] = {}
    for name, result in zip(owners, json.loads(proc.stdout.splitlines()[-1])):
        results.setdefault(name, []).append(result)
    assert results["reference"][0]["code"] == 0
    return root, load_file(root / "reference" / "checkpoints" / "last.safetensors"), results


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_sigkill_then_resume_is_bit_identical(outcome, name):
    root, reference, results = outcome
    run, steps = root / name, results[name]
    *killed, last = steps
    for step in killed:
        assert step["code"] == KILLED
        # status.json still says `running`, but its process is gone: it reads as interrupted.
        assert step["raw_status"] == "running" and step["status"] == "interrupted"
    assert last["code"] == 0
    if name == "checkpoint-write":
        assert killed[0]["temp_files"], "the torn write left its temp file"
        assert killed[0]["epochs_logged"] == [1, 2]  # ahead of the checkpoint (epoch 1)

    final = load_file(run / "checkpoints" / "last.safetensors")
    trained = [k for k in reference if k.startswith(("model.", "optim."))]
    assert trained and set(trained) <= set(final)
    different = [k for k in trained if not bool((final[k] == reference[k]).all())]
    assert not different, f"not bit-identical after kill + resume: {different}"
    # Every step and epoch is in the log exactly once; no temp file is left; status completed.
    steps_logged = [r["step"] for r in read_metrics(run / "metrics.jsonl", "step")]
    assert steps_logged == list(range(1, EPOCHS * STEPS_PER_EPOCH + 1))
    assert last["epochs_logged"] == list(range(1, EPOCHS + 1))
    assert last["temp_files"] == []
    assert RunDir(run).read_status()["status"] == "completed"
