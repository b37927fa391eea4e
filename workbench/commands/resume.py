"""`workbench resume RUN_DIR`: continue a stopped (or crashed) run from its last checkpoint.

The run goes on exactly where it stopped — same batch order, RNG and optimizer state — and
keeps writing to the same folder. ``--epochs N`` extends a finished run to N epochs in all;
with a ``cosine`` / ``onecycle`` schedule that recomputes the schedule for N epochs (the LR
jumps to where an N-epoch run would be at this step).
"""

from __future__ import annotations


def add_parser(sub) -> None:
    from workbench.commands.train import _positive

    p = sub.add_parser("resume", help="continue a training run from its last checkpoint")
    p.add_argument("run_dir", help="the run's folder (printed by `workbench train`)")
    p.add_argument("--epochs", type=_positive, help="train up to this many epochs in all")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (default: the run's)")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument(
        "--nproc",
        type=_positive,
        help="processes to continue on (default: as many as the run was trained on)",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.commands.train import as_worker, drive
    from workbench.core.training.distributed import launched_distributed
    from workbench.core.training.session import RunOptions, resume_run

    nproc = args.nproc or (1 if launched_distributed() else _trained_on(args.run_dir))
    if nproc > 1 and not launched_distributed():
        return _launch(args, nproc)
    session = resume_run(args.run_dir, RunOptions(device=args.device), epochs=args.epochs)
    return as_worker(lambda: drive(session, args.json))


def _trained_on(run_dir: str) -> int:
    """How many processes the run in ``run_dir`` was trained on (1 when unknown)."""
    from pathlib import Path

    from workbench.core.runs import RunDir

    try:
        return int(RunDir.open(Path(run_dir)).read_info().get("world_size", 1))
    except Exception:  # no run folder etc.: the single-process path says what is wrong
        return 1


def _launch(args, nproc: int) -> int:
    """``--nproc N``: N workers run ``resume`` on the same folder; the outcome from them."""
    from pathlib import Path

    from workbench.commands.train import report_launch
    from workbench.core.runs import RunDir
    from workbench.core.training.launch import launch_local

    RunDir.open(Path(args.run_dir))  # a clear error before any process starts
    worker = ["resume", args.run_dir]
    for flag in ("epochs", "device"):
        if getattr(args, flag) is not None:
            worker += [f"--{flag}", str(getattr(args, flag))]
    if args.json:
        worker.append("--json")
    outcome = launch_local(worker, nproc, Path(args.run_dir))
    return report_launch(outcome, args.run_dir, args.json)
