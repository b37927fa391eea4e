"""The training engine (Qt-free): one loop for the CLI and the GUI.

from workbench.core.training import Trainer, TrainerControl, EventBus
trainer = Trainer(project, base_dir, run_dir=None, device=None)
trainer.events.subscribe(callback); trainer.control.stop() / pause() / resume() / step(n) / set_lr(lr)
result = trainer.run()   # blocking -> RunResult
"""

from workbench.core.training.callbacks import Callback, StepInfo
from workbench.core.training.control import TrainerControl
from workbench.core.training.events import (
    CheckpointEvent,
    EpochEvent,
    ErrorEvent,
    EventBus,
    ProbeEvent,
    StatusEvent,
    StepEvent,
)
from workbench.core.training.result import RunResult
from workbench.core.training.trainer import Trainer

__all__ = [
    "Callback",
    "CheckpointEvent",
    "EpochEvent",
    "ErrorEvent",
    "EventBus",
    "ProbeEvent",
    "RunResult",
    "StatusEvent",
    "StepEvent",
    "StepInfo",
    "Trainer",
    "TrainerControl",
]
