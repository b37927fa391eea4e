"""Run folders for tests, written as the trainer leaves them but without training (fast)."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.core import run_store as store
from workbench.core.runs import RunDir
from workbench.core.spec.project import ProjectSpec


def spec_with(hidden: int = 64, lr: float = 1e-3, layer: str = "lstm", n_layers: int = 1):
    return ProjectSpec.from_dict(
        {
            "name": "demo",
            "model": {"layers": [{"type": layer, "hidden_size": hidden}] * n_layers},
            "train": {"optimizer": {"lr": lr}},
        }
    )


def fake_run(root: Path, spec: ProjectSpec, status: str = "completed", **metrics) -> Path:
    """A run folder as the trainer leaves it, without training (fast)."""
    path = store.new_run_dir(root, spec)
    run = RunDir.create(path)  # accepts the claimed folder that holds only meta.json
    run.write_project(spec)
    run.write_info({"project": spec.name, "created": "2026-11-28T10:00:00+0000"})
    run.write_status(status, epoch=2, step=20)
    lines = [{"type": "step", "step": i, "loss": 1.0} for i in range(1, 21)]
    lines.append({"type": "epoch", "epoch": 2, "step": 20, "val_loss": 0.5, **metrics})
    run.metrics_file.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path
