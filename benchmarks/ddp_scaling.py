"""Samples/s of the char LM on 1 process vs N processes (DDP), side by side in one run.

    python benchmarks/ddp_scaling.py [--nproc 2] [--steps 40] [--threads 1] [--repeats 2]

Both runs go through the real command line (``workbench train … --json``; the multi-process
one with ``--nproc N``, i.e. torch's elastic launcher and gloo on the CPU), on the same global
batch (``train.batch_size`` 64: 32 per process on 2), each process limited to ``--threads``
torch threads. The figure compared is the run's own ``samples_per_s`` (training time only:
process start-up, data loading and evaluation are not in it). Runs alternate (1, N, 1, N …)
so that a change in machine load hits both sides; the best of the repeats is reported.
On a GPU machine pass ``--device cuda`` (NCCL, one GPU per process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def make_project(folder: Path, steps: int, device: str) -> Path:
    from workbench.core.spec.project_file import load_project, save_project

    spec, _ = load_project("example:char-lm")
    spec.train.max_steps = steps
    spec.train.epochs = 1
    spec.train.device = device
    spec.data.split.val_fraction = 0.01  # evaluation is not what this measures
    spec.data.split.test_fraction = 0.01
    path = folder / "char-lm-bench.json"
    save_project(spec, path)
    return path


def train(project: Path, run_dir: Path, nproc: int, threads: int) -> float:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), WORKBENCH_TORCH_THREADS=str(threads))
    command = [sys.executable, "-m", "workbench", "train", str(project), "--json"]
    command += ["--run-dir", str(run_dir)]
    if nproc > 1:
        command += ["--nproc", str(nproc)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"run failed ({nproc} processes):\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["samples_per_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    best = {1: 0.0, args.nproc: 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        project = make_project(folder, args.steps, args.device)
        for repeat in range(args.repeats):
            for nproc in (1, args.nproc):
                rate = train(project, folder / f"run-{nproc}-{repeat}", nproc, args.threads)
                print(f"  {nproc} process(es), repeat {repeat + 1}: {rate:,.1f} samples/s")
                best[nproc] = max(best[nproc], rate)
    one, many = best[1], best[args.nproc]
    print(
        f"char-lm, global batch 64, {args.steps} steps, {args.threads} thread(s) per process, "
        f"{args.device}: 1 process {one:,.1f} samples/s, {args.nproc} processes {many:,.1f} "
        f"samples/s -> speed-up x{many / one:.2f} (ideal x{args.nproc})"
    )


if __name__ == "__main__":
    main()
