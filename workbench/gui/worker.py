"""Background work for the GUI: the ONLY module that creates threads or moves objects between them.

Pattern (after Orange's ``concurrent.py`` and superqt's workers): a job ``QObject`` is moved to a
``QThread``; ``thread.started → job.run``; ``job.finished → thread.quit``; ``thread.finished →``
our clean-up, which waits for the thread and deletes job and thread on the GUI thread (the
``deleteLater`` step, done by their one owner: see ``_cleanup``). A module-level registry keeps a reference to every running
worker (so Python never collects a running ``QThread``) and lets tests find leaks.

The training job never touches widgets: the engine's events are appended to an ``EventBuffer``
(a ``deque``; CPython documents append/popleft as thread-safe) and the GUI drains it on a timer.
The only Qt signals crossing threads are one ``done``/``failed`` pair per run, so the number of
queued Qt events does not grow with the step rate.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from shiboken6 import Shiboken

if TYPE_CHECKING:
    from workbench.core.training.control import TrainerControl
    from workbench.core.training.events import EventBus

_ACTIVE: set[_ThreadedJob] = set()


class RunHandle(Protocol):
    """What the worker needs of a run (``core.training.session.TrainingSession``)."""

    events: EventBus
    control: TrainerControl

    def run(self) -> Any: ...


def active_workers() -> list[_ThreadedJob]:
    """Workers whose thread has been started and not yet joined (for tests and shutdown)."""
    return [w for w in _ACTIVE if w.is_running()]


def join_all(timeout_s: float = 1.0) -> bool:
    """Ask every running worker to stop and wait for it; True when all of them ended."""
    ok = True
    for worker in list(_ACTIVE):
        worker.request_stop()
    for worker in list(_ACTIVE):
        ok &= worker.join(timeout_s)
    return ok


class EventBuffer:
    """Events from the training thread, read in batches by the GUI thread."""

    def __init__(self) -> None:
        self._events: deque[Any] = deque()
        # A bound C method: the engine calls it once per event on the training thread; no lock
        # and no Python frame needed (deque.append is atomic under the GIL).
        self.push: Callable[[Any], None] = self._events.append

    def __len__(self) -> int:
        return len(self._events)

    def drain(self, limit: int | None = None) -> list[Any]:
        """Remove and return the buffered events, oldest first (at most ``limit``)."""
        n = len(self._events) if limit is None else min(limit, len(self._events))
        pop = self._events.popleft
        return [pop() for _ in range(n)]


class _Job(QObject):
    """Runs ``fn`` on the worker thread; reports one outcome with a queued signal."""

    done = Signal(object)
    failed = Signal(object)  # an ErrorInfo
    finished = Signal()

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._fn: Callable[[], Any] | None = fn

    def release(self) -> None:
        self._fn = None  # breaks the cycle job → fn → worker → job

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # every error reaches the user, even SystemExit in a job
            self.failed.emit(ErrorInfo.from_exception(exc))
        else:
            self.done.emit(result)
        finally:
            # Back to the GUI thread (only the object's own thread may move it): it is deleted
            # there, once the thread has ended (see _ThreadedJob._cleanup).
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            self.finished.emit()


class ErrorInfo:
    """What the user sees about a failure: message, hint, and the traceback as details.

    ``error_type`` is the exception's class (None when the failure was not an exception), so a
    caller classifies with ``isinstance``-like checks (``is_a``), never by class-name strings.
    """

    def __init__(
        self,
        message: str,
        hint: str = "",
        details: str = "",
        error_type: type[BaseException] | None = None,
    ) -> None:
        self.message, self.hint, self.details = message, hint, details
        self.error_type = error_type

    @property
    def kind(self) -> str:
        """The exception's class name (for display)."""
        return self.error_type.__name__ if self.error_type is not None else ""

    def is_a(self, *types: type[BaseException]) -> bool:
        """Whether the failure was an exception of one of ``types``."""
        return self.error_type is not None and issubclass(self.error_type, types)

    @property
    def user_error(self) -> bool:
        """A ``WorkbenchError``: something the user can fix (anything else is a bug)."""
        from workbench.core.errors import WorkbenchError

        return self.is_a(WorkbenchError)

    @classmethod
    def from_exception(cls, exc: BaseException) -> ErrorInfo:
        from workbench.core.errors import WorkbenchError

        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        if not isinstance(exc, WorkbenchError):  # a bug; say what it was
            message = f"{type(exc).__name__}: {message}"
        return cls(message, getattr(exc, "hint", "") or "", details, type(exc))

    def __repr__(self) -> str:
        return f"ErrorInfo({self.message!r})"


class _ThreadedJob(QObject):
    """Owns one QThread + job; lives on the GUI thread, so its slots run there."""

    done = Signal(object)
    failed = Signal(object)
    finished = Signal()  # after done/failed, once the thread has ended

    def __init__(self, fn: Callable[[], Any], name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._thread: QThread | None = QThread()
        self._thread.setObjectName(name)
        self._job: _Job | None = _Job(fn)
        self._job.moveToThread(self._thread)
        self._thread.started.connect(self._job.run)
        self._job.done.connect(self._on_done)
        self._job.failed.connect(self._on_failed)
        # Direct: quit() is thread-safe, and a queued call would wait for the GUI thread,
        # which may be the one blocked in join().
        self._job.finished.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._on_thread_finished)  # → quit → deleteLater
        self._started = False
        self._ended = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} running={self.is_running()}>"

    def start(self) -> None:
        if self._started:
            raise RuntimeError("a worker runs once")
        self._started = True
        _ACTIVE.add(self)
        self._thread.start()

    def is_running(self) -> bool:
        return self._started and not self._ended

    def request_stop(self) -> None:
        """Ask the job to end soon (subclasses know how)."""

    def join(self, timeout_s: float = 1.0) -> bool:
        """Wait for the thread to end; True when it did (then everything is cleaned up)."""
        if not self._started or self._ended:
            return True
        if not self._thread.wait(max(1, int(timeout_s * 1000))):
            return False
        # Deliver the outcome (done/failed, queued from the thread) before announcing the end.
        QCoreApplication.sendPostedEvents(self)
        self._cleanup()
        return True

    @Slot(object)
    def _on_done(self, result: Any) -> None:
        self.done.emit(result)

    @Slot(object)
    def _on_failed(self, info: ErrorInfo) -> None:
        self.failed.emit(info)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        if self._ended:
            return
        self._ended = True
        _ACTIVE.discard(self)
        thread, job, self._thread, self._job = self._thread, self._job, None, None
        if thread is not None:
            thread.wait()  # finished was emitted from the thread: let it return from run()
        # The "deleteLater" step, done at once and by one owner. Python owns both objects; had
        # Qt's deleteLater also run (on the worker thread, as it finishes) the two deletions
        # raced and crashed ("shared QObject was deleted directly", bus errors), and leaving it
        # to the garbage collector could delete them from whatever thread runs a collection.
        for obj in (job, thread):
            if obj is not None and Shiboken.isValid(obj):
                if isinstance(obj, _Job):
                    obj.release()
                Shiboken.delete(obj)
        self.finished.emit()


def run_in_thread(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[ErrorInfo], None] | None = None,
    name: str = "workbench-job",
    parent: QObject | None = None,
) -> _ThreadedJob:
    """Run ``fn()`` on a background thread; ``on_done(result)`` / ``on_error(ErrorInfo)`` run on
    the GUI thread. Keep the returned object if you want to ``join`` it; the registry holds it until
    the thread ends, and ``join_all`` (called when the window closes) waits for it."""
    job = _ThreadedJob(fn, name, parent)
    if on_done is not None:
        job.done.connect(on_done)
    if on_error is not None:
        job.failed.connect(on_error)
    job.start()
    return job


class TaskState:
    """What a background task shares with the GUI (after Orange's ``TaskState``): a progress
    fraction the GUI polls on a timer, and a stop request the task polls between batches."""

    def __init__(self) -> None:
        self.progress = 0.0  # a float write: atomic under the GIL
        self._stop = threading.Event()

    def set_progress(self, fraction: float) -> None:
        self.progress = float(fraction)

    def request_stop(self) -> None:
        self._stop.set()

    def should_stop(self) -> bool:
        return self._stop.is_set()


class _TaskJob(_ThreadedJob):
    def __init__(self, fn: Callable[[], Any], name: str, parent, state: TaskState) -> None:
        super().__init__(fn, name, parent)
        self.state = state

    def request_stop(self) -> None:
        self.state.request_stop()


def run_task(
    fn: Callable[[TaskState], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[ErrorInfo], None] | None = None,
    name: str = "workbench-task",
    parent: QObject | None = None,
) -> _ThreadedJob:
    """Like ``run_in_thread`` for a task that reports progress and can be cancelled:
    ``fn(state)`` runs on the thread; the returned job's ``state`` is its ``TaskState``, and
    ``join_all`` (window closing) asks it to stop."""
    state = TaskState()
    job = _TaskJob(lambda: fn(state), name, parent, state)
    if on_done is not None:
        job.done.connect(on_done)
    if on_error is not None:
        job.failed.connect(on_error)
    job.start()
    return job


class _ControlRelay:
    """Forwards pause/resume/step/stop/set_lr to the run's control once the session exists
    (it is made on the worker thread, so that an error making it reaches the user like any
    other). Requests made before then are replayed in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._control: TrainerControl | None = None
        self._pending: list[Callable[[TrainerControl], None]] = []
        self.stop_requested = False

    def attach(self, control: TrainerControl) -> None:
        with self._lock:
            self._control = control
            pending, self._pending = self._pending, []
        for request in pending:
            request(control)

    def call(self, request: Callable[[TrainerControl], None]) -> None:
        with self._lock:
            control = self._control
            if control is None:
                self._pending.append(request)
                return
        request(control)

    def pause(self) -> None:
        self.call(lambda c: c.pause())

    def resume(self) -> None:
        self.call(lambda c: c.resume())

    def step(self, n: int) -> None:
        self.call(lambda c: c.step(n))

    def set_lr(self, lr: float) -> None:
        self.call(lambda c: c.set_lr(lr))

    def stop(self) -> None:
        self.stop_requested = True
        self.call(lambda c: c.stop())


class TrainingWorker(_ThreadedJob):
    """One training run on a background thread.

    ``make_session()`` makes the run (``core.training.session.start_run``) on the worker
    thread; its events go into ``self.events`` (drain them on a GUI timer). ``done`` carries the
    engine's ``RunResult``; ``failed`` an ``ErrorInfo`` when the run raised.
    """

    def __init__(
        self, make_session: Callable[[], RunHandle], parent: QObject | None = None
    ) -> None:
        self.events = EventBuffer()
        self.control = _ControlRelay()
        self._make_session = make_session
        self.session: RunHandle | None = None  # set on the worker thread; read-only elsewhere
        super().__init__(self._run, "workbench-training", parent)

    @property
    def run_dir(self) -> Any:
        return getattr(self.session, "run_dir", None)

    #: GIL switch interval while training runs (Python's default is 5 ms). The GUI thread drops
    #: and re-takes the GIL on many Qt calls; against a Python-busy training thread each re-take
    #: may wait a full interval, so a repaint of several plots could take 100+ ms. A shorter
    #: interval bounds that wait; the training loop pays little (torch drops the GIL in kernels).
    switch_interval_s: float | None = 0.001
    _saved_switch: float | None = None

    def start(self) -> None:
        if self.switch_interval_s is not None and TrainingWorker._saved_switch is None:
            TrainingWorker._saved_switch = sys.getswitchinterval()
            sys.setswitchinterval(self.switch_interval_s)
        super().start()

    def _cleanup(self) -> None:
        super()._cleanup()
        others = [w for w in _ACTIVE if isinstance(w, TrainingWorker)]
        if not others and TrainingWorker._saved_switch is not None:
            sys.setswitchinterval(TrainingWorker._saved_switch)
            TrainingWorker._saved_switch = None

    def _run(self) -> Any:
        session = self.session = self._make_session()
        session.events.subscribe(self.events.push)
        self.control.attach(session.control)
        if self.control.stop_requested:
            return None  # stopped before it began: no data loaded, no run folder made
        return session.run()

    # control, callable from the GUI thread
    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def step(self, n: int = 1) -> None:
        self.control.step(int(n))

    def set_lr(self, lr: float) -> None:
        self.control.set_lr(float(lr))

    def request_stop(self) -> None:
        self.control.stop()


class _HookBridge(QObject):
    raised = Signal(object)


_BRIDGE: _HookBridge | None = None


def install_exception_hooks(show: Callable[[ErrorInfo], None]) -> None:
    """Route uncaught exceptions to ``show`` on the GUI thread: ``sys.excepthook`` for the GUI
    thread (and Qt slots), ``threading.excepthook`` for Python threads. Call on the GUI thread."""
    global _BRIDGE
    _BRIDGE = _HookBridge()
    _BRIDGE.raised.connect(show)  # queued when emitted from another thread
    bridge = _BRIDGE

    def _hook(exc_type, exc, tb) -> None:
        if exc is None:
            exc = exc_type()
        if exc.__traceback__ is None:
            exc.__traceback__ = tb
        info = ErrorInfo.from_exception(exc)
        if sys.__stderr__ is not None:
            sys.__stderr__.write(info.details)
        bridge.raised.emit(info)

    sys.excepthook = _hook
    threading.excepthook = lambda args: _hook(args.exc_type, args.exc_value, args.exc_traceback)
