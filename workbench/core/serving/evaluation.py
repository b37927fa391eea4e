"""One call for the CLI and the app: inputs for a run (a file or a split), predictions,
metrics. ``predict`` on a file and ``evaluate`` on the same file share every step, so their
numbers agree by construction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.serving import inputs as inp
from workbench.core.serving.loaded import LoadedRun
from workbench.core.serving.metrics import evaluate
from workbench.core.serving.predict import Predictions, predict


@dataclass
class Evaluation:
    """Predictions, the inputs they came from and (when the inputs hold targets) metrics."""

    preds: Predictions
    inputs: inp.Inputs
    metrics: dict[str, Any] | None

    def to_dict(self, run: LoadedRun) -> dict[str, Any]:
        return {
            "run": str(run.path),
            "checkpoint": run.checkpoint,
            "task": run.task,
            "source": self.inputs.source,
            "n": len(self.preds),
            "metrics": self.metrics,
            "notes": list(self.inputs.notes),
        }


def load_inputs(run: LoadedRun, file: str | Path | None, split: str | None) -> inp.Inputs:
    if file is not None and split is not None:
        raise WorkbenchError("give a FILE or --split, not both")
    if file is not None:
        return inp.from_file(run, file)
    return inp.from_split(run, split or "test")


def run_evaluation(
    run: LoadedRun,
    inputs: inp.Inputs,
    need_targets: bool = False,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Evaluation:
    if need_targets and inputs.y is None:
        names = ", ".join(repr(n) for n in run.pre.target_names) or "label"
        raise WorkbenchError(
            f"{inputs.source}: no labels to evaluate against (the file has no {names} column)",
            "evaluate needs the true labels / targets: give a labelled file, or use "
            "`workbench predict` for new data",
        )
    preds = predict(run, inputs, progress=progress, should_stop=should_stop)
    metrics = evaluate(preds, inputs, run.pre) if inputs.y is not None else None
    return Evaluation(preds, inputs, metrics)
