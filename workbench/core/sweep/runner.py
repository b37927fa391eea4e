"""Run a sweep with Optuna: each trial is an ordinary run in the project's store, tagged with
the sweep; the study lives in ``<project>.runs/sweeps.db`` (SQLite) or any Optuna RDB URL.

With ``jobs > 1`` the trials run in that many worker *processes* (spawned: each imports torch
and sets its own thread count), all attached to the one study through its storage — the same
way several machines share a sweep given a common ``--storage postgresql://…`` URL.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.errors import WorkbenchError
from workbench.core.sweep.definition import SweepSpec, apply_values

if TYPE_CHECKING:
    import optuna

    from workbench.core.training.callbacks import StepInfo
    from workbench.core.training.trainer import Trainer

SWEEP_DB = "sweeps.db"
RUN_DIR_ATTR = "run_dir"
#: Seconds between a running trial's looks for the stop file.
STOP_POLL_S = 0.5


class SweepStopped(Exception):
    """The user stopped the sweep: the trial in progress ends ``stopped``, no new one starts."""


def stop_file(runs_root: str | Path, sweep_name: str) -> Path:
    """The file that stops a sweep (the app writes it; every worker, on any machine sharing
    the run folder, looks for it between batches): ``<runs>/.<sweep>.sweep-stop``."""
    return Path(runs_root) / f".{sweep_name}.sweep-stop"


def request_stop(runs_root: str | Path, sweep_name: str) -> None:
    path = stop_file(runs_root, sweep_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


@dataclass
class SweepJob:
    """Everything a worker process needs (plain values: it is pickled to spawn workers)."""

    project_ref: str
    sweep: SweepSpec
    runs_root: str
    storage: str
    base_dir: str | None = None
    project_file: str | None = None
    torch_threads: int = 0  # 0: leave torch's default
    #: Which worker this is (0…jobs-1): its sampler's seed is the sweep's plus this, or every
    #: worker would draw the same values and the trials would repeat each other.
    worker: int = 0


def default_storage(runs_root: str | Path) -> str:
    path = Path(runs_root).resolve() / SWEEP_DB
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sampler(sweep: SweepSpec, worker: int = 0) -> optuna.samplers.BaseSampler:
    import optuna

    seed = sweep.seed + worker
    if sweep.sampler == "grid":
        space = {p.path: p.grid() for p in sweep.params}
        return optuna.samplers.GridSampler(space, seed=seed)
    if sweep.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def _pruner(sweep: SweepSpec) -> optuna.pruners.BasePruner:
    import optuna

    if sweep.pruner == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=sweep.startup_trials, n_warmup_steps=sweep.warmup_epochs
    )


def open_study(sweep: SweepSpec, storage: str, worker: int = 0) -> optuna.Study:
    """Create the study, or attach to it when it exists (a second worker, or a rerun)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        return optuna.create_study(
            storage=storage,
            study_name=sweep.name,
            direction=sweep.direction,
            sampler=_sampler(sweep, worker),
            pruner=_pruner(sweep),
            load_if_exists=True,
        )
    except ValueError as exc:  # e.g. the stored study has the other direction
        raise WorkbenchError(
            f"sweep {sweep.name!r}: {exc}", "give the sweep another name"
        ) from None
    except ImportError as exc:  # a storage URL whose database driver is not installed
        raise WorkbenchError(f"storage {storage}: {exc}", "install the database driver") from None


def suggest(trial: optuna.Trial, sweep: SweepSpec) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for p in sweep.params:
        if p.kind == "choice":
            values[p.path] = trial.suggest_categorical(p.path, p.choices)
        elif p.kind == "int":
            low, high = p.bounds()
            step = int(p.step or 1)
            values[p.path] = trial.suggest_int(p.path, int(low), int(high), step=step, log=p.log)
        else:
            low, high = p.bounds()
            values[p.path] = trial.suggest_float(p.path, low, high, step=p.step, log=p.log)
    return values


class _Report:
    """Reports the objective after each epoch; stops the run when Optuna prunes the trial."""

    def __init__(
        self, trial: optuna.Trial, metric: str, direction: str, stop: Path | None = None
    ) -> None:
        self.trial, self.metric, self.direction = trial, metric, direction
        self.best: float | None = None
        self.pruned_at: int | None = None
        self.stop, self.stopped, self._looked = stop, False, 0.0

    def on_step_end(self, trainer: Trainer, info: StepInfo) -> None:
        now = time.monotonic()
        if self.stop is None or now - self._looked < STOP_POLL_S:
            return
        self._looked = now
        if self.stop.exists():
            self.stopped = True
            trainer.control.stop()

    def on_epoch_end(self, trainer: Trainer, metrics: dict[str, float]) -> None:
        value = metrics.get(self.metric)
        if value is None or not math.isfinite(value):
            return
        better = max if self.direction == "maximize" else min
        self.best = value if self.best is None else better(self.best, value)
        epoch = trainer.state.epoch
        self.trial.report(value, epoch)
        if self.trial.should_prune():
            self.pruned_at = epoch
            trainer.control.stop()


def run_trial(trial: optuna.Trial, job: SweepJob) -> float:
    """The objective: train one run with the trial's values; its best epoch value."""
    import optuna

    from workbench.core.run_store import new_run_dir, update_meta
    from workbench.core.spec.project_file import load_project
    from workbench.core.training.session import RunOptions, start_run

    stop = stop_file(job.runs_root, job.sweep.name)
    if stop.exists():  # stopped while this worker was between trials
        trial.study.stop()
        raise SweepStopped("stopped before it started")
    spec, base_dir = load_project(job.project_ref)
    spec = apply_values(spec, suggest(trial, job.sweep))
    run_dir = new_run_dir(
        job.runs_root,
        spec,
        project_file=job.project_file,
        tags=[f"sweep:{job.sweep.name}"],
        sweep=job.sweep.name,
        trial=trial.number,
    )
    trial.set_user_attr(RUN_DIR_ATTR, str(run_dir))
    trial.set_user_attr("pid", os.getpid())
    report = _Report(trial, job.sweep.objective, job.sweep.direction, stop)
    result = start_run(spec, base_dir, RunOptions(run_dir=run_dir, callbacks=(report,))).run()
    if result is None:  # stopped before the run began
        trial.study.stop()
        raise SweepStopped("stopped before it started")
    if report.stopped:
        trial.study.stop()
        raise SweepStopped(f"stopped by the user after epoch {result.epochs}")
    if report.pruned_at is not None:
        update_meta(run_dir, tags=[f"sweep:{job.sweep.name}", "pruned"])
        raise optuna.TrialPruned(f"pruned after epoch {report.pruned_at}")
    value = report.best if report.best is not None else result.metrics.get(job.sweep.objective)
    if value is None:
        raise WorkbenchError(
            f"sweep objective {job.sweep.objective!r}: the run reported no such metric",
            f"the run reported: {', '.join(sorted(result.metrics))}",
        )
    return float(value)


def work(job: SweepJob, n_trials: int) -> None:
    """One worker: attach to the study and run ``n_trials`` trials (in this process)."""
    if job.torch_threads:
        import torch

        torch.set_num_threads(job.torch_threads)
    study = open_study(job.sweep, job.storage, job.worker)
    # A stopped trial is recorded as failed (its run folder says "stopped") and ends the loop.
    study.optimize(lambda trial: run_trial(trial, job), n_trials=n_trials, catch=(SweepStopped,))


def _work_in_child(job: SweepJob, n_trials: int) -> None:
    try:
        work(job, n_trials)
    except WorkbenchError as exc:
        import sys

        sys.stderr.write(f"error: {exc.one_line()}\n")
        raise SystemExit(2) from None


def shares(trials: int, jobs: int) -> list[int]:
    """Trials per worker: ``10`` over ``3`` → ``[4, 3, 3]`` (no worker without a trial)."""
    jobs = max(1, min(jobs, trials))
    return [trials // jobs + (1 if i < trials % jobs else 0) for i in range(jobs)]


def run_sweep(job: SweepJob, trials: int, jobs: int) -> dict[str, Any]:
    """Run ``trials`` more trials on ``jobs`` workers; a summary of the whole study."""
    open_study(job.sweep, job.storage)  # created once, before workers race to create it
    stop_file(job.runs_root, job.sweep.name).unlink(missing_ok=True)  # an old stop request
    t0 = time.perf_counter()
    parts = shares(trials, jobs)
    if len(parts) == 1:
        work(job, parts[0])
    else:
        ctx = multiprocessing.get_context("spawn")
        threads = max(1, (os.cpu_count() or 2) // len(parts))
        job = SweepJob(**{**job.__dict__, "torch_threads": job.torch_threads or threads})
        procs = [
            ctx.Process(target=_work_in_child, args=(SweepJob(**{**job.__dict__, "worker": i}), n))
            for i, n in enumerate(parts)
        ]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        failed = [p.exitcode for p in procs if p.exitcode != 0]
        if failed:
            raise WorkbenchError(
                f"{len(failed)} of {len(procs)} sweep workers failed (exit codes {failed})",
                "their error lines are above",
            )
    summary = summarize_study(job, time.perf_counter() - t0)
    summary["stopped"] = stop_file(job.runs_root, job.sweep.name).exists()
    return summary


def summarize_study(job: SweepJob, wall_s: float | None = None) -> dict[str, Any]:
    return {**study_summary(job.sweep, job.storage), "wall_s": wall_s}


def study_summary(sweep: SweepSpec, storage: str) -> dict[str, Any]:
    """Every trial of the sweep's study (state, value, params, run folder), the best one and
    Optuna's parameter importances. Raises ``WorkbenchError`` when the study does not exist."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.load_study(study_name=sweep.name, storage=storage)
    except KeyError:  # Optuna's "record not found"
        raise WorkbenchError(
            f"sweep {sweep.name!r} has not run yet", "run it (Run sweep, or `workbench sweep`)"
        ) from None
    rows = []
    for t in study.trials:
        rows.append(
            {
                "number": t.number,
                "state": t.state.name.lower(),
                "value": t.value,
                "params": t.params,
                "run_dir": t.user_attrs.get(RUN_DIR_ATTR),
                "pid": t.user_attrs.get("pid"),
            }
        )
    best = None
    try:
        b = study.best_trial
        best = {"number": b.number, "value": b.value, "params": b.params}
        best["run_dir"] = b.user_attrs.get(RUN_DIR_ATTR)
    except ValueError:  # no completed trial yet
        pass
    return {
        "importances": importances(study),
        "study": sweep.name,
        "storage": storage,
        "objective": sweep.objective,
        "direction": sweep.direction,
        "trials": rows,
        "best": best,
    }


def importances(study: optuna.Study) -> dict[str, float]:
    """Optuna's parameter importances (fANOVA) once two trials completed; empty before."""
    import optuna

    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(done) < 2:
        return {}
    try:
        return {k: float(v) for k, v in optuna.importance.get_param_importances(study).items()}
    except (RuntimeError, ValueError):  # e.g. every completed trial had the same values
        return {}
