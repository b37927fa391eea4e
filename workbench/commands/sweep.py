"""`workbench sweep PROJECT`: a hyperparameter sweep on Optuna, each trial an ordinary run.

The sweep is read from ``PROJECT.sweep.json`` beside the project (or ``--sweep FILE``); the
study lives in ``PROJECT.runs/sweeps.db`` unless ``--storage URL`` names another Optuna
storage (e.g. ``postgresql://user@host/db``, shared by workers on several machines).
"""

from __future__ import annotations

import json
from pathlib import Path


def add_parser(sub) -> None:
    from workbench.commands.train import _positive

    p = sub.add_parser("sweep", help="hyperparameter sweep on Optuna (trials are runs)")
    p.add_argument("project", help="project file or example:NAME")
    p.add_argument("--sweep", help="sweep file (default: PROJECT.sweep.json beside the project)")
    p.add_argument("--trials", type=_positive, help="trials to run now (default: the sweep's)")
    p.add_argument("--jobs", type=_positive, help="worker processes (default: the sweep's)")
    p.add_argument("--storage", help="Optuna storage URL (default: sqlite in PROJECT.runs/)")
    p.add_argument(
        "--summary",
        action="store_true",
        help="run no trials: print the study so far (trials, best, importances)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.core.errors import WorkbenchError
    from workbench.core.run_store import runs_dir_for
    from workbench.core.spec.project_file import load_project
    from workbench.core.sweep.definition import check_against, load_sweep, sweep_file_for
    from workbench.core.sweep.runner import SweepJob, default_storage, run_sweep, study_summary

    spec, base_dir = load_project(args.project)
    example = str(args.project).startswith("example:")
    if args.sweep is None and example:
        raise WorkbenchError("an example has no sweep file beside it", "pass --sweep FILE")
    sweep_path = Path(args.sweep) if args.sweep else sweep_file_for(args.project)
    sweep = load_sweep(sweep_path)
    check_against(sweep, spec, source=str(sweep_path))
    root = runs_dir_for(args.project)
    trials = args.trials or (sweep.grid_size() if sweep.sampler == "grid" else sweep.trials)
    job = SweepJob(
        project_ref=str(Path(args.project).resolve()) if not example else str(args.project),
        sweep=sweep,
        runs_root=str(root),
        storage=args.storage or default_storage(root),
        base_dir=str(base_dir),
        project_file=None if example else str(Path(args.project).resolve()),
    )
    if args.summary:
        summary = study_summary(sweep, job.storage)
    else:
        summary = run_sweep(job, trials, args.jobs or sweep.jobs)
    if args.json:
        print(json.dumps(summary, default=str))
    else:
        _print(summary)
    return 0


def _print(summary: dict) -> None:
    print(
        f"study {summary['study']} ({summary['storage']}): {summary['objective']}, "
        f"{summary['direction']}"
    )
    for t in summary["trials"]:
        value = "" if t["value"] is None else f"{t['value']:.5g}"
        params = ", ".join(
            f"{k.rsplit('.', 1)[-1]}={v:.4g}"
            if isinstance(v, float)
            else f"{k.rsplit('.', 1)[-1]}={v}"
            for k, v in t["params"].items()
        )
        print(f"  #{t['number']:<3} {t['state']:<9} {value:>10}  {params}")
    best = summary.get("best")
    if best:
        print(f"best: trial #{best['number']} {summary['objective']} {best['value']:.5g}")
        print(f"run:  {best['run_dir']}")
    if summary.get("importances"):
        shown = ", ".join(f"{k} {v:.2f}" for k, v in summary["importances"].items())
        print(f"importance: {shown}")
    if summary.get("wall_s") is not None:
        print(f"wall time: {summary['wall_s']:.1f} s")
