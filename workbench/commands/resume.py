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
    p.set_defaults(run=run)


def run(args) -> int:
    from workbench.commands.train import drive
    from workbench.core.training.session import RunOptions, resume_run

    session = resume_run(args.run_dir, RunOptions(device=args.device), epochs=args.epochs)
    return drive(session, args.json)
