"""Peak memory of `workbench predict RUN FILE` on a large CSV: read in chunks vs read whole.

    python benchmarks/predict_memory.py [--mb 200] [--dir /tmp] [--kind wide|long]

Trains a tiny run (one epoch) on a small file, writes a large file of the same kind (``--mb``
megabytes: a wide CSV of 8 number columns for a forecaster, or a long CSV of sequences for a
classifier), then predicts on it in fresh subprocesses, so each peak (VmHWM) is that path's
alone:

- ``baseline``: imports (torch, pandas, the readers) and the loaded run, nothing predicted;
- ``chunked``: ``core.serving.stream.predict_file`` (what the command does), to ``.npy``;
- ``whole``: the file read whole (``inputs.from_file``), predicted, written — the old path.

Prints each peak above the baseline beside the file's size and the size of its float32
array (rows x number columns x 4 bytes). Target: chunked stays a small constant, whatever the
file's size (a 1 GB file is extrapolated from this one: chunks are ``CHUNK_ROWS`` rows).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, sys, time
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) * 1024
    return 0
mode, run_dir, path, out = sys.argv[1:5]
from workbench.core.serving.loaded import load_run
from workbench.core.serving import output
from workbench.core.serving.inputs import from_file
from workbench.core.serving.predict import predict
from workbench.core.serving.stream import predict_file
import pandas, workbench.core.data.csv.chunks, workbench.core.data.csv.wide  # noqa: E401
run = load_run(run_dir)
start = time.perf_counter()
n = 0
if mode == "chunked":
    with output.Writer(out) as writer:
        predict_file(run, path, writer)
        n = writer.commit()
elif mode == "whole":
    inputs = from_file(run, path)
    preds = predict(run, inputs)
    output.write(out, preds, inputs)
    n = len(preds)
print(json.dumps({"peak": hwm(), "seconds": time.perf_counter() - start, "n": n}))
"""


def _spec(kind: str, source: str) -> dict:
    if kind == "wide":
        data = {"source": source, "task": "forecasting", "window": 16}
    else:
        data = {
            "source": source,
            "id_column": "id",
            "time_column": "t",
            "target_columns": ["label"],
        }
    return {
        "name": "bench",
        "data": data,
        "model": {"layers": [{"type": "lstm", "hidden_size": 8}]},
        "train": {"epochs": 1, "batch_size": 64, "device": "cpu"},
    }


def _write_wide(path: Path, rows: int, seed: int = 0) -> int:
    """``rows`` rows of 8 columns (a..h), written in blocks; returns the number of columns."""
    rng = np.random.default_rng(seed)
    block = 100_000
    with path.open("w") as handle:
        handle.write("a,b,c,d,e,f,g,h\n")
        for start in range(0, rows, block):
            k = min(block, rows - start)
            t = np.arange(start, start + k)[:, None]
            values = np.sin(t / 50.0 + np.arange(8)) + 0.1 * rng.standard_normal((k, 8))
            np.savetxt(handle, values, fmt="%.5f", delimiter=",")
    return 8


def _write_long(path: Path, rows: int, seed: int = 0) -> int:
    """Sequences of 20 steps, 4 features, a label per sequence; returns the feature count."""
    rng = np.random.default_rng(seed)
    steps, block = 20, 5_000
    with path.open("w") as handle:
        handle.write("id,t,a,b,c,d,label\n")
        for first in range(0, rows // steps, block):
            n = min(block, rows // steps - first)
            ids = np.repeat(np.arange(first, first + n), steps)
            t = np.tile(np.arange(steps), n)
            labels = ids % 2
            x = rng.standard_normal((n * steps, 4)) + labels[:, None]
            lines = [
                f"s{i},{s},{a:.4f},{b:.4f},{c:.4f},{d:.4f},{'yes' if y else 'no'}\n"
                for i, s, (a, b, c, d), y in zip(ids, t, x, labels)
            ]
            handle.writelines(lines)
    return 4


def _child(mode: str, run_dir: Path, path: Path, out: Path) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(run_dir), str(path), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200.0, help="size of the large file")
    parser.add_argument("--dir", default=None, help="where to write it (default: a temp dir)")
    parser.add_argument("--kind", choices=("wide", "long"), default="wide")
    parser.add_argument("--skip-whole", action="store_true", help="only the chunked path")
    args = parser.parse_args()

    from workbench.core.spec.project import ProjectSpec
    from workbench.core.spec.project_file import save_project
    from workbench.core.training import Trainer

    folder = Path(tempfile.mkdtemp(prefix="predict-mem-", dir=args.dir))
    try:
        write = _write_wide if args.kind == "wide" else _write_long
        small = folder / "small.csv"
        write(small, 4_000)
        spec = ProjectSpec.from_dict(_spec(args.kind, "small.csv"))
        save_project(spec, folder / "bench.json")
        run_dir = folder / "run"
        Trainer(spec, folder, run_dir=run_dir).run()
        bytes_per_row = small.stat().st_size / 4_000
        rows = int(args.mb * 1e6 / bytes_per_row)
        big = folder / "big.csv"
        t0 = time.perf_counter()
        columns = write(big, rows)
        size = big.stat().st_size
        array = rows * columns * 4
        print(
            f"{big.name}: {size / 1e6:.0f} MB, {rows:,} rows; float32 array "
            f"{array / 1e6:.0f} MB (written in {time.perf_counter() - t0:.0f} s)"
        )
        base = _child("baseline", run_dir, big, folder / "none.npy")["peak"]
        print(f"baseline (imports + loaded run): {base / 1e6:.0f} MB")
        modes = ["chunked"] if args.skip_whole else ["chunked", "whole"]
        for mode in modes:
            got = _child(mode, run_dir, big, folder / f"{mode}.npy")
            extra = got["peak"] - base
            print(
                f"{mode:8s} peak {got['peak'] / 1e6:7.0f} MB, above baseline {extra / 1e6:6.0f} MB"
                f" = {extra / size:.2f}x the file, {extra / array:.2f}x its array;"
                f" {got['n']:,} predictions in {got['seconds']:.0f} s"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
