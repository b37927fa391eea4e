"""Small trained runs shared by the predict / evaluate / export / report tests (1 epoch each,
trained once per test session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from serving_helpers import train, write_long_csv  # noqa: F401


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Four tiny runs: an LSTM classifier on a long CSV, a GRU forecaster on a wide CSV, a
    bidirectional stack (ragged sequences) and a character language model."""
    root = Path(__file__).resolve().parents[3] / "resources" / "data"
    folder = tmp_path_factory.mktemp("serving-runs")
    write_long_csv(folder / "seqs.csv")
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
        "folder": folder,
    }
