"""The training engine (Qt-free): one loop for the CLI, the GUI and every other launcher.

    from workbench.core.training.session import RunOptions, start_run
    session = start_run(spec, base_dir, RunOptions())
    session.events.subscribe(callback)      # typed events (events.py, core.inspection.events)
    session.control.stop() / pause() / resume() / step(n) / set_lr(lr)
    result = session.run()                  # blocking -> RunResult

Attributes load lazily, so importing ``session``, ``events`` or ``control`` does not import
torch (the GUI imports them at start-up).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Callback": "workbench.core.training.callbacks",
    "StepInfo": "workbench.core.training.callbacks",
    "TrainerControl": "workbench.core.training.control",
    "CheckpointEvent": "workbench.core.training.events",
    "EpochEvent": "workbench.core.training.events",
    "ErrorEvent": "workbench.core.training.events",
    "EventBus": "workbench.core.training.events",
    "ProbeEvent": "workbench.core.training.events",
    "StatusEvent": "workbench.core.training.events",
    "StepEvent": "workbench.core.training.events",
    "RunResult": "workbench.core.training.result",
    "Trainer": "workbench.core.training.trainer",
    "RunOptions": "workbench.core.training.session",
    "TrainingSession": "workbench.core.training.session",
    "resume_run": "workbench.core.training.session",
    "start_run": "workbench.core.training.session",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
