"""Inspect a finished (or stopped) run from its checkpoint: the same events a live run's probe
publishes — context, gradient flow, predictions, hidden states and gates — recomputed now.

The best checkpoint is used when the run kept one, else the last; the data are loaded with the
run's own project (its normalization statistics included), so the views match what it learnt.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.inspection.events import ProbeOptions


class _Collect:
    """Stands in for an event bus: keeps what is published, in order."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def publish(self, event: Any) -> None:
        self.events.append(event)


def inspect_run(
    run_dir: str | Path,
    options: ProbeOptions | None = None,
    indices: list[int] | None = None,
    latest: bool = False,
) -> list[Any]:
    """Events for the Inspect views of the run in ``run_dir`` (context first, snapshot last);
    ``indices`` picks the sequences of ``options.split`` (e.g. a misclassified one);
    ``latest``: the last checkpoint even when a best one exists (a run still training)."""
    import torch

    from workbench.core.data import load_data
    from workbench.core.inspection.feed import ProbePublisher, make_context
    from workbench.core.inspection.probe import Probe
    from workbench.core.models import build_model
    from workbench.core.runs import RunDir
    from workbench.core.training.checkpoints import read_state_dict
    from workbench.core.training.tasks import TaskLogic

    options = options or ProbeOptions()
    run = RunDir.open(Path(run_dir))
    use_best = run.best_checkpoint.is_file() and not latest
    checkpoint = run.best_checkpoint if use_best else run.last_checkpoint
    if not checkpoint.is_file():
        raise WorkbenchError(
            f"{run.path}: has no checkpoint yet", "a run saves one at the end of each epoch"
        )
    spec = run.read_project()
    data = load_data(spec.data, run.read_info().get("base_dir"))
    torch.manual_seed(spec.train.seed)
    model = build_model(spec.model)
    try:
        model.load_state_dict(read_state_dict(checkpoint))
    except RuntimeError as exc:
        raise WorkbenchError(
            f"{checkpoint}: does not fit the run's model ({str(exc).splitlines()[0]})"
        ) from None
    model.eval()
    status = run.read_status()
    bus = _Collect()
    owner = SimpleNamespace(events=bus, data=data, model=model, spec=spec)
    task = TaskLogic(spec.data.task, spec.train.loss, data)
    publisher = ProbePublisher(owner)  # type: ignore[arg-type]
    probe = Probe.from_data(
        data,
        n=options.n,
        split=options.split,
        seq_len=spec.data.seq_len,
        indices=indices,
        loss_fn=task.loss,
        publish=publisher,
    )
    bus.publish(make_context(owner, options))  # type: ignore[arg-type]
    snapshot = probe.snapshot(
        model,
        step=int(status.get("step") or 0),
        epoch=int(status.get("epoch") or 0),
        with_grad_flow=True,
    )
    publisher(snapshot)
    return bus.events
