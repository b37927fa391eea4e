"""Run store at scale: overlaying a 1,000,000-step run, and listing 500 runs.

    python benchmarks/run_store_scale.py [--steps 1000000] [--runs 500] [--legacy-steps 1000000]

Prints, side by side in one process:
- the time and memory to load a run's curves for an overlay (``load_run_curves``) from the step
  arrays (``steps/``) and from an old-format run whose steps are JSON lines in metrics.jsonl;
- the time to list a store of N runs (``list_summaries``, and the Training tab's list, which
  also finds each run's best epoch).
Memory is the peak of Python/NumPy allocations during the load (``tracemalloc``); the arrays'
file pages are mapped, not copied. CPU time is printed beside wall time: on a busy machine
the wall time mostly measures waiting for a core. Targets (issue 13): overlay ≤ 0.5 s and ≤ 100 MB, listing
≤ 0.5 s.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from workbench.core.run_history import list_project_runs, load_run_curves
from workbench.core.run_store import new_run_dir
from workbench.core.run_summary import list_summaries
from workbench.core.runs import RunDir
from workbench.core.spec.project import ProjectSpec

EPOCHS = 100


def write_run(folder: Path, steps: int, legacy: bool) -> Path:
    run = RunDir.create(folder)
    run.write_project(ProjectSpec())
    run.write_info({"project": "scale", "created": "2026-11-28T10:00:00+0000"})
    run.write_status("completed", epoch=EPOCHS, step=steps)
    per_epoch = max(1, steps // EPOCHS)
    log = run.open_log()
    if legacy:  # the old format: one JSON line per step
        log.close()
        with open(run.metrics_file, "a", encoding="utf-8") as handle:
            for s in range(1, steps + 1):
                handle.write(
                    f'{{"type": "step", "step": {s}, "epoch": {(s - 1) // per_epoch + 1}, '
                    f'"loss": {1.0 / s}, "lr": 0.001, "grad_norm": 0.5}}\n'
                )
                if s % per_epoch == 0:
                    epoch = s // per_epoch
                    handle.write(
                        json.dumps(
                            {"type": "epoch", "epoch": epoch, "step": s, "val_loss": 1 / epoch}
                        )
                        + "\n"
                    )
        return run.path
    for s in range(1, steps + 1):
        log.write_step(s, (s - 1) // per_epoch + 1, 1.0 / s, 0.001, 0.5)
        if s % per_epoch == 0:
            epoch = s // per_epoch
            log.write({"type": "epoch", "epoch": epoch, "step": s, "val_loss": 1 / epoch})
    log.close()
    return run.path


def measure_load(path: Path) -> tuple[float, float, int]:
    """(seconds, peak MB, steps): timed without tracemalloc (it slows Python down), then the
    memory measured in a second load."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    steps, _ = load_run_curves(path)
    elapsed = time.perf_counter() - t0
    print(f"  (load of {path.name}: wall {elapsed:.3f} s, CPU {time.process_time() - c0:.3f} s)")
    n = len(steps.get("step", ()))
    del steps
    gc.collect()
    tracemalloc.start()
    load_run_curves(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 1e6, n


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--legacy-steps", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="wb-scale-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        new = write_run(root / "arrays", args.steps, legacy=False)
        write_s = time.perf_counter() - t0
        old = (
            write_run(root / "jsonl", args.legacy_steps, legacy=True) if args.legacy_steps else None
        )
        s, mb, n = measure_load(new)
        print(
            f"overlay, step arrays: {n:,} steps  {s:.3f} s  peak {mb:.0f} MB  "
            f"(on disk {size_mb(new):.0f} MB; written in {write_s:.1f} s)"
        )
        if old is not None:
            s_old, mb_old, n_old = measure_load(old)
            print(
                f"overlay, JSON lines (old runs): {n_old:,} steps  {s_old:.3f} s  peak {mb_old:.0f} MB  "
                f"(on disk {size_mb(old):.0f} MB)"
            )
            scale = n / max(1, n_old)
            print(
                f"ratio arrays / JSON lines: time {s / (s_old * scale):.3f}  memory {mb / (mb_old * scale):.3f}"
            )

        store = root / "store"
        spec = ProjectSpec()
        for i in range(args.runs):
            path = new_run_dir(store, spec)
            run = RunDir.create(path)
            run.write_project(spec)
            run.write_info(
                {
                    "project": "scale",
                    "created": f"2026-11-28T10:{i // 60 % 60:02d}:{i % 60:02d}+0000",
                }
            )
            run.write_status("completed", epoch=10, step=1000)
            lines = [
                {"type": "epoch", "epoch": e, "step": e * 100, "val_loss": 1 / e}
                for e in range(1, 11)
            ]
            run.metrics_file.write_text("".join(json.dumps(r) + "\n" for r in lines))
        from workbench.core import run_summary

        for label, fn in (
            ("list_summaries (runs table)", lambda: list_summaries(store)),
            ("list_project_runs (training tab)", lambda: list_project_runs(store)),
        ):
            fn()  # warm the OS cache, as a second look at the tab would
            for when in ("first look", "again (summaries cached by mtime)"):
                if when == "first look":
                    run_summary._cache.clear()
                t0, c0 = time.perf_counter(), time.process_time()
                found = fn()
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                print(f"listing {len(found)} runs, {label}, {when}: {wall:.3f} s (CPU {cpu:.3f} s)")


if __name__ == "__main__":
    main()
