"""Helpers shared by the serving tests: a module of its own (not conftest) because several
conftest.py files exist and ``from conftest import …`` gets whichever pytest loaded last."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import save_project
from workbench.core.training import Trainer


def write_long_csv(path: Path, n: int = 48, seed: int = 0, labels=("low", "high")) -> Path:
    """Sequences of 2 features, 5-9 steps each; the label follows the mean of feature a."""
    rng = np.random.default_rng(seed)
    lines = ["id,t,a,b,label"]
    for i in range(n):
        label = labels[i % len(labels)]
        shift = 1.0 if label == labels[-1] else -1.0
        for t in range(int(rng.integers(5, 10))):
            a, b = rng.normal(shift, 1.0), rng.normal(0, 1.0)
            lines.append(f"s{i},{t},{a:.4f},{b:.4f},{label}")
    path.write_text("\n".join(lines) + "\n")
    return path


def train(folder: Path, spec: dict, name: str) -> Path:
    spec = ProjectSpec.from_dict(
        {
            "name": name,
            **spec,
            "train": {"batch_size": 16, "epochs": 1, "device": "cpu", **spec.get("train", {})},
        }
    )
    project = folder / f"{name}.json"
    save_project(spec, project)
    run_dir = folder / f"run-{name}"
    Trainer(spec, folder, run_dir=run_dir).run()
    return run_dir
