"""Training throughput with the inspection probe at its default rate vs without, side by side.

Each repeat trains the same project for the same number of steps twice — once plain, once with
``Probe.attach(trainer)`` (defaults: 4 validation sequences, ≤ 5 snapshots/s within a 2 % time
budget, gradient flow and predictions at epoch ends when affordable) — alternating which goes first so both see the same machine
load. Time is measured inside the run (first ``on_train_begin`` to ``on_train_end`` callback), so
data loading and model building are excluded; per-epoch validation and checkpoints count in both.
The ratio (with / without) of the median throughput is the figure; the target is ≥ 0.97. Also
printed: the same ratio per CPU second of this process (steadier when the machine is shared;
use --threads 1 so CPU time is not inflated by spinning worker threads) and the share of the
run's wall time spent inside the probe.

    python benchmarks/inspection_overhead.py [--repeats 5] [--steps 300] [--config adding-lstm]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch

from workbench.core.inspection.probe import Probe
from workbench.core.spec.layers import GRUSpec, LSTMSpec, RNNSpec
from workbench.core.spec.project import (
    DataSpec,
    HeadSpec,
    InputSpec,
    ModelSpec,
    ProjectSpec,
    TrainSpec,
)
from workbench.core.training import Trainer

CONFIGS = {
    # adding problem, length 100: the demonstration setting
    "adding-lstm": (
        "builtin:adding",
        "regression",
        {"n_samples": 3000, "length": 100},
        LSTMSpec(hidden_size=64),
        1,
    ),
    "adding-gru": (
        "builtin:adding",
        "regression",
        {"n_samples": 3000, "length": 100},
        GRUSpec(hidden_size=64),
        1,
    ),
    "adding-rnn": (
        "builtin:adding",
        "regression",
        {"n_samples": 3000, "length": 100},
        RNNSpec(hidden_size=64),
        1,
    ),
    # short sequences, fast steps: the probe's fixed cost weighs most here
    "seed-lstm": (
        "builtin:seed",
        "classification",
        {"n_samples": 3000},
        LSTMSpec(hidden_size=64),
        10,
    ),
}


def _project(name: str, steps: int) -> ProjectSpec:
    source, task, params, layer, out = CONFIGS[name]
    n_features = 10 if source == "builtin:seed" else 2
    return ProjectSpec(
        name=name,
        data=DataSpec(source=source, task=task, builtin=params, normalization="none"),
        model=ModelSpec(
            input=InputSpec(n_features=n_features), layers=[layer], head=HeadSpec(output_size=out)
        ),
        train=TrainSpec(
            batch_size=32, epochs=1000, max_steps=steps, seed=0, device="cpu", keep_best=False
        ),
    )


class _Timer:
    def on_train_begin(self, trainer) -> None:
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()

    def on_train_end(self, trainer, result) -> None:
        self.seconds = time.perf_counter() - self.start
        self.cpu_seconds = time.process_time() - self.cpu_start
        self.steps = result.steps


def _run(name: str, steps: int, probe: bool) -> tuple[float, float, int, float]:
    """(steps per wall second, per CPU second, snapshots taken, share of wall time in the probe)."""
    with tempfile.TemporaryDirectory() as run_dir:
        trainer = Trainer(_project(name, steps), run_dir=run_dir)
        trainer.prepare()
        timer = _Timer()
        trainer.add_callback(timer)
        taken, share = 0, 0.0
        if probe:
            p = Probe.attach(trainer)
            trainer.events.subscribe(lambda e: None)  # a cheap subscriber, as the GUI buffer is
        trainer.run()
        if probe:
            taken = p.count
            # the final snapshot (on_train_end) comes after the timed part
            share = (p.cost_s - p.latest.elapsed_s) / timer.seconds
        return timer.steps / timer.seconds, timer.steps / timer.cpu_seconds, taken, share


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--config", choices=sorted(CONFIGS), action="append")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    for name in args.config or ["adding-lstm", "seed-lstm"]:
        _run(name, 20, True)  # warm-up (allocator, oneDNN kernels)
        plain, probed, plain_cpu, probed_cpu, counts, shares = [], [], [], [], [], []
        for r in range(args.repeats):
            order = (False, True) if r % 2 == 0 else (True, False)
            for with_probe in order:
                rate, cpu_rate, taken, share = _run(name, args.steps, with_probe)
                (probed if with_probe else plain).append(rate)
                (probed_cpu if with_probe else plain_cpu).append(cpu_rate)
                if with_probe:
                    counts.append(taken)
                    shares.append(share)
        a, b = statistics.median(plain), statistics.median(probed)
        print(
            f"{name}: without probe {a:8.1f} steps/s | with probe {b:8.1f} steps/s | "
            f"ratio {b / a:.3f} (median of {args.repeats}, {args.steps} steps each; "
            f"{statistics.median(counts):.0f} snapshots per run, "
            f"{100 * statistics.median(shares):.1f} % of the run inside the probe)"
        )
        paired = [q / p for p, q in zip(plain, probed)]
        print(
            f"  median of paired ratios {statistics.median(paired):.3f}; per repeat: "
            + ", ".join(f"{r:.3f}" for r in paired)
        )
        # CPU time of this process: far less sensitive to other processes on a shared machine
        c, d = statistics.median(plain_cpu), statistics.median(probed_cpu)
        print(
            f"  per CPU second: without {c:8.1f} | with {d:8.1f} steps/s | ratio {d / c:.3f}; "
            f"per repeat: {', '.join(f'{q / p:.3f}' for p, q in zip(plain_cpu, probed_cpu))}"
        )


if __name__ == "__main__":
    main()
