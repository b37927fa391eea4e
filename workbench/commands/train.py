"""`workbench train PROJECT`: train headless with a progress bar (or ``--json`` for machines).

Ctrl-C stops after the current batch with a checkpoint (status ``stopped``; continue with
`workbench resume RUN_DIR`); a second Ctrl-C aborts at once.

``--nproc N`` trains on N local processes through torch's elastic launcher; started by
``torchrun`` (or ``--nproc``) this command is one of the workers: rank 0 claims the run
folder and prints, the others stay quiet (see ``core/training/distributed.py``).
"""

from __future__ import annotations

import json
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

from workbench.core.training.events import EpochEvent, StatusEvent, StepEvent

if TYPE_CHECKING:
    from workbench.core.training.result import RunResult
    from workbench.core.training.session import TrainingSession


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a project headless (progress bar, or --json)")
    p.add_argument("project", help="project file or example:NAME")
    p.add_argument("--epochs", type=_positive, help="passes over the training data")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--seed", type=_non_negative, help="seed for weights, shuffling and dropout")
    p.add_argument(
        "--run-dir",
        help="folder for checkpoints and logs (default: a new one in PROJECT.runs/ beside the "
        "project file)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument(
        "--nproc",
        type=_positive,
        default=1,
        help="train on N local processes (data parallel, torch's elastic launcher)",
    )
    p.set_defaults(run=run)


def _positive(text: str) -> int:
    return _int(text, 1)


def _non_negative(text: str) -> int:
    return _int(text, 0)


def _int(text: str, low: int) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number (got {text!r})") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"must be ≥ {low} (got {value})")
    return value


def run(args) -> int:
    from workbench.core.errors import SpecError, WorkbenchError
    from workbench.core.spec.project_file import load_project

    spec, base_dir = load_project(args.project)
    if args.epochs is not None:
        spec.train.epochs = args.epochs
    if args.seed is not None:
        spec.train.seed = args.seed
    if args.device is not None:
        spec.train.device = args.device
    problems = spec.problems()
    if problems:
        raise SpecError(problems, source="command-line options")
    from workbench.core.run_store import discard_if_unused, new_run_dir, runs_dir_for
    from workbench.core.training.distributed import env_world, launched_distributed
    from workbench.core.training.session import RunOptions, start_run

    if args.nproc > 1 and launched_distributed():
        raise WorkbenchError(
            "--nproc given to a process that a torch launcher already started",
            "use either torchrun's --nproc-per-node or workbench's --nproc, not both",
        )
    run_dir = args.run_dir
    # Under torchrun only rank 0 claims (and discards) a folder; the others hear of it.
    main_rank = not launched_distributed() or env_world()[0] == 0
    if run_dir is None and main_rank:
        project_file = None if str(args.project).startswith("example:") else args.project
        run_dir = new_run_dir(runs_dir_for(args.project), spec, project_file=project_file)
    try:
        if args.nproc > 1:
            return _launch(args, run_dir, spec.train.device)
        session = start_run(spec, base_dir, RunOptions(run_dir=run_dir))
        return as_worker(lambda: drive(session, args.json))
    finally:
        if run_dir is not None and main_rank:
            discard_if_unused(run_dir)


def as_worker(work) -> int:
    """``work()``; in one of several processes also leave its error where the launcher looks
    (it reports the failing process's own error) and leave the process group at the end.

    So that a failure is told once: a process that only lost its peers (another one failed
    first) exits without a word, and so do ranks other than 0 on a user error (every rank
    meets the same one; rank 0 prints it)."""
    from workbench.core.errors import WorkbenchError
    from workbench.core.training.distributed import Distributed, env_world, launched_distributed
    from workbench.core.training.launch import peer_lost, record_failure

    if not launched_distributed():
        return work()
    try:
        return work()
    except BaseException as exc:
        record_failure(exc)
        user_error = isinstance(exc, WorkbenchError)
        if peer_lost(exc) or (user_error and env_world()[0] != 0):
            raise SystemExit(2 if user_error else 1) from None
        raise
    finally:
        Distributed.close()


def _launch(args, run_dir, device: str) -> int:
    """``--nproc N``: N workers run this command without it; the outcome comes from them."""
    from pathlib import Path

    from workbench.core.training.launch import check_devices, launch_local

    check_devices(device, args.nproc)
    worker = ["train", args.project, "--run-dir", str(run_dir)]
    for flag in ("epochs", "seed", "device"):
        if getattr(args, flag) is not None:
            worker += [f"--{flag}", str(getattr(args, flag))]
    if args.json:
        worker.append("--json")
    return report_launch(launch_local(worker, args.nproc, Path(run_dir)), run_dir, args.json)


def report_launch(outcome, run_dir, as_json: bool) -> int:
    """What the launcher adds to the workers' output: the error of a failed process other
    than rank 0 (rank 0 reports its own, as a single process does)."""
    if outcome.status == "failed" and outcome.rank != 0:
        if as_json:
            failed = {"status": "failed", "message": outcome.message, "run_dir": str(run_dir)}
            print(json.dumps(failed))
        sys.stderr.write(f"error: {outcome.message}\n")
    return outcome.exit_code


def drive(session: TrainingSession, as_json: bool) -> int:
    """Run ``session`` with Ctrl-C handling and print the outcome; the exit code
    (``cli.EXIT_*``: completed 0, diverged 2, stopped by the user 130)."""
    from workbench.cli import EXIT_OK, EXIT_STOPPED, EXIT_USER, report_failure
    from workbench.core.training.distributed import env_world, launched_distributed

    if launched_distributed() and env_world()[0] != 0:
        return _drive_quietly(session)
    progress = None if as_json else Progress(session)
    if progress is not None:
        session.events.subscribe(progress)
    previous = _install_sigint(session)
    try:
        result = session.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        if progress is not None:
            progress.close()
    assert result is not None  # only a stop before the start returns None (not from here)
    out = result.to_dict()
    summary = session.data_summary
    dropped = summary.dropped_columns if summary is not None else {}
    if dropped:
        out["dropped_columns"] = [{"name": n, "reason": why} for n, why in dropped.items()]
    sample = _sample(session, result)
    if sample is not None:
        out["sample"] = sample
    if as_json:
        print(json.dumps(out))
    else:
        print_summary(out)
    if result.status == "diverged":  # the result above, then the one error line
        return report_failure(result.message, result.hint, EXIT_USER, as_json=False)
    return EXIT_STOPPED if result.status == "stopped" else EXIT_OK


def _drive_quietly(session: TrainingSession) -> int:
    """A worker other than rank 0: train, print nothing (rank 0 reports the run)."""
    previous = _install_sigint(session, quiet=True)
    try:
        session.run()
    finally:
        signal.signal(signal.SIGINT, previous)
    return 0


def _install_sigint(session: TrainingSession, quiet: bool = False):
    def on_sigint(signum, frame) -> None:
        if session.control.stop_requested:
            raise KeyboardInterrupt
        session.control.stop()
        if not quiet:
            sys.stderr.write("\nstopping after this batch (Ctrl-C again to abort)…\n")

    try:
        return signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (e.g. called from a test's thread)
        return signal.getsignal(signal.SIGINT)


def _sample(session: TrainingSession, result: RunResult) -> str | None:
    """A generated text sample at the end of a language-model run."""
    if result.status == "diverged":
        return None
    prime = "\n"
    text = session.final_sample(prime, n_tokens=300, temperature=0.8)
    return None if text is None else prime + text


# ---- human output ----------------------------------------------------------------------------
class Progress:
    """Event subscriber that draws a one-line progress bar on stderr (≤ 10 redraws a second)."""

    WIDTH = 24

    def __init__(self, session: TrainingSession) -> None:
        self.session = session
        self.tty = sys.stderr.isatty()
        self.t0: float | None = None
        self.step0 = 0
        self.last_draw = 0.0
        self.drawn = False

    def __call__(self, event: Any) -> None:
        if isinstance(event, StepEvent):
            now = time.perf_counter()
            if self.t0 is None:
                self.t0, self.step0 = now, event.step - 1
            if self.tty and now - self.last_draw > 0.1:
                self.last_draw = now
                self._draw(event, now)
        elif isinstance(event, EpochEvent):
            self._line(_epoch_line(event, self.session.epochs))
        elif (
            isinstance(event, StatusEvent)
            and event.message
            and event.status not in ("failed", "preparing")
        ):
            # A failure is reported once, by the command's own `error: …` line.
            self._line(f"{event.status}: {event.message}")

    def _draw(self, event, now: float) -> None:
        planned = max(1, self.session.planned_steps)
        done = event.step / planned
        filled = int(done * self.WIDTH)
        per_step = (now - self.t0) / max(1, event.step - self.step0)
        eta = _clock(per_step * (planned - event.step))
        epochs = self.session.epochs
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = (
            f"\repoch {event.epoch}/{epochs} [{bar}] {done:4.0%} step {event.step}/{planned} "
            f"loss {event.loss:.4f}  {event.samples_per_s:,.0f} samples/s  ETA {eta}"
        )
        sys.stderr.write(line[:150] + "\x1b[K")
        sys.stderr.flush()
        self.drawn = True

    def _line(self, text: str) -> None:
        if self.drawn:
            sys.stderr.write("\r\x1b[K")
            self.drawn = False
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            self.drawn = False


def _epoch_line(event, epochs: int) -> str:
    shown = ", ".join(
        f"{k} {v:.4g}"
        for k, v in event.metrics.items()
        if isinstance(v, float) and k != "lr" and not _is_baseline(k)
    )
    return f"epoch {event.epoch}/{epochs}: {shown}"


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def print_summary(out: dict[str, Any]) -> None:
    """The outcome, grouped by split, each group saying which weights its figures come from,
    with the baseline (the obvious guess) beside the model's figures."""
    print(f"status:  {out['status']}" + (f" — {out['message']}" if out.get("message") else ""))
    wall = out.get("wall_time_s")
    print(
        f"epochs:  {out['epochs']}   steps: {out['steps']}"
        + (f"   wall time: {_clock(wall)}" if wall is not None else "")
    )
    labels = {"info", "status", "epochs", "steps", "run_dir", "message", "hint", "sample", "lr"}
    labels |= {"wall_time_s", "val_from", "test_from", "baseline", "dropped_columns"}
    for column in out.get("dropped_columns", []):
        print(f"left out: {column['name']!r} {column['reason']}")
    groups: dict[str, list[str]] = {"train": [], "val": [], "test": [], "": []}
    for key, value in out.items():
        if key in labels or value is None:
            continue
        prefix = key.split("_", 1)[0]
        groups[prefix if prefix in groups else ""].append(key)
    titles = {
        "train": "training (last epoch)",
        "val": f"validation ({out.get('val_from', 'last epoch')})",
        "test": f"test ({out.get('test_from', 'last epoch')})",
        "": "other",
    }
    for prefix, keys in groups.items():
        model = [k for k in keys if not _is_baseline(k)]
        if not model:
            continue
        print(titles[prefix] + ":")
        for key in model:
            print(f"  {key:<16} {_shown(key, out[key])}")
        guess = [k for k in keys if _is_baseline(k)]
        if any("naive_" in k for k in guess):  # the baseline is one of these: no repeat
            guess = [k for k in guess if "naive_" in k]
        if guess and out.get("baseline"):
            print(f"  baseline: {out['baseline']}")
            for key in guess:
                print(f"  {key:<24} {_shown(key, out[key])}")
    if out.get("hint"):
        print(f"hint:    {out['hint']}")
    print(f"run:     {out['run_dir']}")
    if out.get("sample"):
        print("\nsample (temperature 0.8):")
        print(out["sample"])


def _is_baseline(key: str) -> bool:
    return "_baseline_" in key or "naive_" in key


def _shown(key: str, value: Any) -> str:
    if key == "samples_per_s":
        return f"{value:,.1f}"
    return f"{value:.6g}" if isinstance(value, float) else str(value)
