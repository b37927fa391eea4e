"""Helpers shared by the serving tests: a module of its own (not conftest) because several
conftest.py files exist and ``from conftest import …`` gets whichever pytest loaded last."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import save_project
from workbench.core.training import Trainer


def write_long_csv(
    path: Path, n: int = 48, seed: int = 0, labels=("low", "high"), per_step: bool = False
) -> Path:
    """Sequences of 2 features, 5-9 steps each; the label follows the mean of feature a
    (``per_step``: each step's label follows that step's a)."""
    rng = np.random.default_rng(seed)
    lines = ["id,t,a,b,label"]
    for i in range(n):
        label = labels[i % len(labels)]
        shift = 1.0 if label == labels[-1] else -1.0
        for t in range(int(rng.integers(5, 10))):
            a, b = rng.normal(shift, 1.0), rng.normal(0, 1.0)
            tag = labels[int(a > 0)] if per_step else label
            lines.append(f"s{i},{t},{a:.4f},{b:.4f},{tag}")
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


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Tiny runs (one epoch each), trained once per test session and shared by every serving
    test module: an LSTM classifier on a long CSV, a GRU forecaster on a wide CSV, a
    bidirectional stack (ragged sequences), a character language model, an LSTM forecaster
    on log differences and a per-step GRU tagger on a long CSV."""
    root = Path(__file__).resolve().parents[3] / "resources" / "data"
    folder = tmp_path_factory.mktemp("serving-runs")
    write_long_csv(folder / "seqs.csv")
    write_long_csv(folder / "tags.csv", n=30, seed=1, per_step=True)
    (folder / "airline.csv").write_text((root / "airline-passengers.csv").read_text())
    (folder / "small.txt").write_text((root / "shakespeare.txt").read_text()[:2500])
    long_csv = {
        "source": "seqs.csv",
        "id_column": "id",
        "time_column": "t",
        "target_columns": ["label"],
    }
    return {
        "lstm": train(
            folder,
            {"data": long_csv, "model": {"layers": [{"type": "lstm", "hidden_size": 6}]}},
            "lstm",
        ),
        "gru": train(
            folder,
            {
                "data": {
                    "source": "airline.csv",
                    "task": "forecasting",
                    "window": 12,
                    "horizon": 2,
                },
                "model": {"layers": [{"type": "gru", "hidden_size": 6, "num_layers": 2}]},
            },
            "gru",
        ),
        "bidir": train(
            folder,
            {
                "data": long_csv,
                "model": {
                    "layers": [
                        {"type": "lstm", "hidden_size": 5, "bidirectional": True, "num_layers": 2},
                        {"type": "layernorm"},
                        {"type": "gru", "hidden_size": 4, "bidirectional": True},
                    ],
                    "head": {"pooling": "mean", "hidden_size": 3},
                },
            },
            "bidir",
        ),
        "charlm": train(
            folder,
            {
                "data": {"source": "small.txt", "task": "language_model", "seq_len": 24},
                "model": {
                    "input": {"kind": "tokens", "embedding_dim": 8},
                    "layers": [{"type": "lstm", "hidden_size": 12}],
                    "head": {"kind": "per_step"},
                },
                "train": {"batch_size": 4},
            },
            "charlm",
        ),
        "logdiff": train(
            folder,
            {
                "data": {
                    "source": "airline.csv",
                    "task": "forecasting",
                    "window": 12,
                    "horizon": 2,
                    "target_transforms": ["log", "difference"],
                },
                "model": {"layers": [{"type": "lstm", "hidden_size": 4}]},
            },
            "logdiff",
        ),
        "tagger": train(
            folder,
            {
                "data": {**long_csv, "source": "tags.csv", "task": "tagging"},
                "model": {
                    "layers": [{"type": "gru", "hidden_size": 6}],
                    "head": {"kind": "per_step"},
                },
            },
            "tagger",
        ),
        "folder": folder,
    }
