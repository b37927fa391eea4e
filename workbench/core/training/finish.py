"""The end of a run: the resume point, the final validation / test figures (test on the best
checkpoint when keep-best kept one), which weights each figure comes from, the log's ``end``
line and the final status. Companion of ``Trainer.run``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from workbench.core.training import checkpoints as ck
from workbench.core.training.baselines import BASELINE_TAG, baseline_name
from workbench.core.training.result import RunResult

if TYPE_CHECKING:
    from workbench.core.training.trainer import Trainer


def finish_run(trainer: Trainer, outcome: str, message: str, hint: str) -> RunResult:
    """The run's end: the resume point, final val / test figures, the log's end line, status."""
    st = trainer.state
    assert trainer.monitor is not None and trainer._log is not None  # prepare() made them
    status = outcome
    metrics = dict(st.last_metrics)
    if outcome != "diverged":
        if st.batch:
            trainer._save_last()  # mid-epoch stop / step budget: the resume point
        if st.loss_weight and st.epoch == 0:
            metrics["train_loss"] = st.loss_sum / st.loss_weight
        # A stop must be quick (the GUI joins the worker within a second): the user asked
        # to stop, so the checkpoint is saved and the last epoch's metrics stand.
        if outcome != "stopped" and trainer.writes_run:
            if "val_loss" not in metrics:
                metrics.update(trainer.evaluate("val"))
            metrics.update(_test_metrics(trainer))
    metrics["samples_per_s"] = st.total_samples / st.train_time if st.train_time > 0 else 0.0
    metrics["wall_time_s"] = time.perf_counter() - trainer._run_t0
    if trainer.monitor.best is not None:
        metrics["best_epoch"] = trainer.monitor.best_epoch
    # Which weights each figure comes from (the summary says it, never mixes silently).
    sources = _figure_sources(trainer, metrics)
    trainer._writer.wait()  # every checkpoint is on disk before the run reports its end
    trainer._announce_writes()
    assert trainer._rundir is not None
    result = RunResult(
        status, st.epoch, st.step, metrics, trainer._rundir.path, message, hint, sources
    )
    trainer._log.write({"type": "end", "status": status, "message": message, **metrics, **sources})
    trainer._set_status(status, message + (f" — {hint}" if hint else ""))
    return result


def _figure_sources(trainer: Trainer, metrics: dict[str, Any]) -> dict[str, str]:
    """``<split>_from``: the checkpoint each split's figures were measured on."""
    st, out = trainer.state, {}
    last = f"epoch {st.epoch}, the last"
    if any(k.startswith("val_") for k in metrics):
        out["val_from"] = last
    if any(k.startswith("test_") for k in metrics):
        assert trainer._rundir is not None and trainer.monitor is not None
        best = trainer._rundir.best_checkpoint
        on_best = (
            trainer.spec.train.keep_best and best.is_file() and trainer.monitor.best is not None
        )
        out["test_from"] = (
            f"best checkpoint, epoch {trainer.monitor.best_epoch}" if on_best else last
        )
    name = baseline_name(trainer.data)
    if name and any(BASELINE_TAG in k for k in metrics):
        out["baseline"] = name
    return out


def _test_metrics(trainer: Trainer) -> dict[str, float]:
    """Test metrics, on the best checkpoint's weights when keep-best kept one."""
    if len(trainer.splits["test"]) == 0:
        return {}
    assert trainer._rundir is not None and trainer.model is not None
    best = trainer._rundir.best_checkpoint
    trainer._writer.wait()
    if not (trainer.spec.train.keep_best and best.is_file()):
        return trainer.evaluate("test")
    current = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.model.load_state_dict(ck.read_state_dict(best))
    try:
        return trainer.evaluate("test")
    finally:
        trainer.model.load_state_dict(current)
