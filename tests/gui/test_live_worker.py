"""The worker bridge: threads end and are joined, errors reach the GUI thread, and the number of
Qt events crossing threads does not grow with the number of training steps."""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QEvent, QObject, QThread

from workbench.core.training.control import TrainerControl
from workbench.core.training.events import EventBus, StepEvent
from workbench.gui import worker as worker_mod
from workbench.gui.worker import EventBuffer, TrainingWorker, run_in_thread


def test_live_run_in_thread_delivers_result_on_gui_thread(qtbot):
    seen = []
    gui_thread = QThread.currentThread()

    def on_done(value):
        seen.append((value, QThread.currentThread() is gui_thread))

    job = run_in_thread(lambda: threading.current_thread().name != "MainThread", on_done)
    with qtbot.waitSignal(job.finished, timeout=10_000):
        pass
    assert seen == [(True, True)]
    assert not worker_mod.active_workers()


def test_live_run_in_thread_reports_errors_with_traceback(qtbot):
    errors = []

    def fail():
        raise KeyError("missing column")

    job = run_in_thread(fail, on_error=errors.append)
    assert job.join(5.0)
    assert len(errors) == 1  # delivered before join() returned
    info = errors[0]
    assert info.message == "KeyError: 'missing column'"
    assert "Traceback" in info.details and "fail" in info.details


class _FastTrainer:
    """Publishes many step events as fast as it can, like a tiny model on a fast machine."""

    def __init__(self, n: int) -> None:
        self.events, self.control, self.n = EventBus(), TrainerControl(), n

    def run(self):
        for i in range(1, self.n + 1):
            self.events.publish(StepEvent(i, 1, 1.0 / i, 1e-3, 1.0, 1e5, i / self.n))
            if self.control.pending and self.control.between_steps(print, print, print):
                return "stopped"
        return "completed"


class _CountMetaCalls(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event):  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.MetaCall:
            self.count += 1
        return False


def _queued_events_for(n_steps: int, qtbot) -> tuple[int, int]:
    worker = TrainingWorker(lambda: _FastTrainer(n_steps))
    counter = _CountMetaCalls()
    worker.installEventFilter(counter)
    results = []
    worker.done.connect(results.append)
    with qtbot.waitSignal(worker.finished, timeout=30_000):
        worker.start()
    drained = len(worker.events.drain())
    assert results == ["completed"]
    return counter.count, drained


def test_live_queued_qt_events_do_not_grow_with_steps(qtbot):
    few_events, few = _queued_events_for(10, qtbot)
    many_events, many = _queued_events_for(20_000, qtbot)
    assert (few, many) == (10, 20_000)  # every step reached the buffer
    assert many_events == few_events <= 3  # done + thread finished, whatever the step count


def test_live_event_buffer_keeps_order_across_threads():
    buf = EventBuffer()
    threads = [
        threading.Thread(target=lambda k=k: [buf.push((k, i)) for i in range(5000)])
        for k in range(4)
    ]
    for t in threads:
        t.start()
    got = []
    while any(t.is_alive() for t in threads) or len(buf):
        got.extend(buf.drain(limit=1000))
    for t in threads:
        t.join()
    assert len(got) == 20_000
    for k in range(4):
        assert [i for kk, i in got if kk == k] == list(range(5000))


def test_live_join_all_stops_a_paused_worker(qtbot):
    worker = TrainingWorker(lambda: _FastTrainer(10**9))
    worker.pause()  # queued until the trainer exists, then it waits without using the CPU
    worker.start()
    qtbot.waitUntil(lambda: worker.session is not None, timeout=10_000)
    assert worker_mod.active_workers() == [worker]
    assert worker_mod.join_all(5.0)
    assert not worker_mod.active_workers()


def test_live_thread_exceptions_reach_the_gui_thread(qtbot):
    shown = []
    gui_thread = QThread.currentThread()
    old_sys, old_thread = sys.excepthook, threading.excepthook
    try:
        worker_mod.install_exception_hooks(
            lambda info: shown.append((info, QThread.currentThread() is gui_thread))
        )
        t = threading.Thread(target=lambda: 1 / 0)
        t.start()
        t.join()
        qtbot.waitUntil(lambda: bool(shown), timeout=5_000)
    finally:
        sys.excepthook, threading.excepthook = old_sys, old_thread
    info, on_gui = shown[0]
    assert on_gui
    assert info.message == "ZeroDivisionError: division by zero"
    assert "Traceback" in info.details
