"""A finished run folder → a ready model plus its fitted preprocessing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from workbench.core.errors import WorkbenchError
from workbench.core.runs import RunDir
from workbench.core.serving import preprocessing as prep
from workbench.core.serving.preprocessing import Preprocessing
from workbench.core.spec.project import ProjectSpec

#: Statuses of a run that is still writing its checkpoints.
BUSY = ("preparing", "running", "paused")
CHECKPOINTS = ("best", "last")


@dataclass
class LoadedRun:
    """A run ready to use: spec as trained, fitted preprocessing, model in eval mode on the CPU."""

    path: Path
    spec: ProjectSpec
    pre: Preprocessing
    model: torch.nn.Module
    checkpoint: str
    checkpoint_path: Path
    base_dir: Path | None
    status: dict[str, Any] = field(default_factory=dict)
    checkpoint_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def task(self) -> str:
        return self.pre.task

    @property
    def rundir(self) -> RunDir:
        return RunDir(self.path)


def _checkpoint_path(run: RunDir, which: str) -> tuple[str, Path]:
    if which not in CHECKPOINTS:
        raise WorkbenchError(f"--checkpoint must be best or last (got {which!r})")
    if which == "best" and not run.best_checkpoint.is_file() and run.last_checkpoint.is_file():
        return "last", run.last_checkpoint  # keep_best off: the last weights are the result
    path = run.best_checkpoint if which == "best" else run.last_checkpoint
    if not path.is_file():
        raise WorkbenchError(
            f"{run.path}: has no {which} checkpoint (the run ended before its first epoch)",
            "train it longer, or use another run",
        )
    return which, path


def load_run(path: str | Path, checkpoint: str = "best", allow_busy: bool = False) -> LoadedRun:
    """Open ``path`` and load its ``checkpoint`` weights; a ``WorkbenchError`` for a missing,
    unfinished or damaged run."""
    from workbench.core.models import build_model
    from workbench.core.training.checkpoints import load_checkpoint

    run = RunDir.open(Path(path))
    status = run.read_status()
    if status.get("status") in BUSY and not allow_busy:
        raise WorkbenchError(
            f"{run.path}: the run is still training (status {status.get('status')!r})",
            "wait until it finishes or stop it; a run that crashed can be continued with "
            "`workbench resume`",
        )
    spec = run.read_project()
    info = run.read_info()
    base_dir = Path(info["base_dir"]) if info.get("base_dir") else None
    which, ck_path = _checkpoint_path(run, checkpoint)
    tensors, meta = load_checkpoint(ck_path)
    weights = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    torch.manual_seed(0)
    model = build_model(spec.model)
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0][:200]
        raise WorkbenchError(
            f"{ck_path}: the weights do not fit the run's model ({first})",
            "the checkpoint belongs to another project; use the run folder it was saved in",
        ) from None
    model.eval()
    pre = prep.load(run.path)
    if pre is None:  # a run from before preprocessing.json: fit it again from the same data
        from workbench.core.data import load_data

        data = load_data(spec.data, base_dir)
        pre = prep.from_prepared(spec, data, base_dir)
    return LoadedRun(run.path, spec, pre, model, which, ck_path, base_dir, status, meta)
