"""Wall time of a sweep of 8 short trials with ``--jobs 2`` against ``--jobs 1``, side by side.

    python benchmarks/sweep_parallel.py [--trials 8] [--repeats 1]

Each measurement is a fresh ``workbench sweep`` process on a fresh copy of a small project
(seed classification, LSTM(16), 2 epochs), random sampler, no pruning, so both modes train
exactly the same 8 settings. The ratio is what matters; the machine's load is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = {
    "name": "sweep-bench",
    "data": {"source": "builtin:seed", "builtin": {"n_samples": 640}},
    "model": {"layers": [{"type": "lstm", "hidden_size": 16}]},
    "train": {"batch_size": 16, "epochs": 2, "device": "cpu"},
}
SWEEP = {
    "name": "bench",
    "sampler": "random",
    "seed": 0,
    "pruner": "none",
    "params": {
        "train.optimizer.lr": {"low": 1e-3, "high": 1e-2, "log": True},
        "model.layers[0].hidden_size": {"low": 8, "high": 24, "step": 8},
    },
}


def measure(jobs: int, trials: int) -> float:
    with tempfile.TemporaryDirectory(prefix="wb-sweep-bench-") as tmp:
        project = Path(tmp) / "p.json"
        project.write_text(json.dumps(PROJECT))
        (Path(tmp) / "p.sweep.json").write_text(json.dumps(SWEEP))
        cmd = [sys.executable, "-m", "workbench", "sweep", str(project), "--trials", str(trials)]
        t0 = time.perf_counter()
        subprocess.run([*cmd, "--jobs", str(jobs), "--json"], check=True, capture_output=True)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    load0 = os.getloadavg()[0]
    one, two = [], []
    for _ in range(args.repeats):  # alternating, so a change in load hits both alike
        one.append(measure(1, args.trials))
        two.append(measure(2, args.trials))
    a, b = min(one), min(two)
    print(
        f"{args.trials} trials, {os.cpu_count()} cores, load {load0:.1f} → {os.getloadavg()[0]:.1f}"
    )
    print(f"--jobs 1: {a:6.1f} s   (all: {', '.join(f'{t:.1f}' for t in one)})")
    print(f"--jobs 2: {b:6.1f} s   (all: {', '.join(f'{t:.1f}' for t in two)})")
    print(f"ratio jobs 2 / jobs 1: {b / a:.2f}  (target ≤ 0.60)")


if __name__ == "__main__":
    main()
