"""Events the training loop publishes, and the bus that hands them to subscribers.

Events are plain dataclasses holding floats, strings and NumPy arrays — never live tensors — so a
GUI thread can keep them without touching the training thread's memory. Subscribers are called
on the training thread and must be cheap (append to a buffer, set a flag).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: Run statuses: the first three are final results, the rest are passing states.
FINAL_STATUSES = ("completed", "stopped", "diverged", "failed")
STATUSES = ("preparing", "running", "paused", *FINAL_STATUSES)


@dataclass(slots=True)
class StatusEvent:
    """The run changed state (``status`` in ``STATUSES``), or has something to say (``message``)."""

    status: str
    message: str = ""
    kind: str = "status"


@dataclass(slots=True)
class StepEvent:
    """One optimizer step. ``grad_norm`` is the pre-clip global norm (NaN when not measured)."""

    step: int  # 1-based count of optimizer steps in the run
    epoch: int  # 1-based epoch the step belongs to
    loss: float
    lr: float
    grad_norm: float
    samples_per_s: float
    progress: float = 0.0  # share of the planned steps done, 0..1
    kind: str = "step"


@dataclass(slots=True)
class EpochEvent:
    """End of an epoch: ``metrics`` maps names (train_loss, val_loss, val_accuracy, …) to floats."""

    epoch: int
    metrics: dict[str, float]
    kind: str = "epoch"


@dataclass(slots=True)
class CheckpointEvent:
    path: str
    best: bool = False
    kind: str = "checkpoint"


@dataclass(slots=True)
class ErrorEvent:
    message: str
    hint: str = ""
    traceback: str = ""
    kind: str = "error"


@dataclass(slots=True)
class ProbeEvent:
    """Inspection arrays (hidden states, gates, gradient through time) from a probe callback."""

    step: int
    name: str
    arrays: dict[str, Any] = field(default_factory=dict)
    kind: str = "probe"


Event = StatusEvent | StepEvent | EpochEvent | CheckpointEvent | ErrorEvent | ProbeEvent
Subscriber = Callable[[Any], None]


class EventBus:
    """Fan-out of events to subscribers. Subscribing is thread-safe; publishing is lock-free.

    A subscriber that raises is logged and dropped, so a broken view never stops training.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Add ``callback``; returns a function that removes it again."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            self.unsubscribe(callback)

        return unsubscribe

    def unsubscribe(self, callback: Subscriber) -> None:
        with self._lock:
            self._subscribers = tuple(s for s in self._subscribers if s is not callback)

    def __bool__(self) -> bool:
        return bool(self._subscribers)

    def publish(self, event: Any) -> None:
        # Reads the tuple once: subscribing from another thread swaps it atomically.
        for callback in self._subscribers:
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber %r failed; it was removed", callback)
                self.unsubscribe(callback)
