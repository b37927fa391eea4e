"""Shared helpers of the GUI benchmarks: a heartbeat timer, example projects, one GUI run."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("WORKBENCH_RUNS_DIR", tempfile.mkdtemp(prefix="wb-bench-runs-"))


def app():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(sys.argv)


def example(name: str, max_steps: int | None = None, epochs: int | None = None):
    from workbench.core.spec.project_file import load_project

    spec, base = load_project(f"example:{name}")
    spec.train.device = "cpu"
    if max_steps is not None:
        spec.train.max_steps = max_steps
    if epochs is not None:
        spec.train.epochs = epochs
    return spec, base


class Heartbeat:
    """A 10 ms QTimer on the GUI thread; lateness = time between beats minus the interval."""

    def __init__(self, interval_ms: int = 10) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000.0
        self.late: list[float] = []
        self.cpu: list[float] = []  # GUI-thread CPU time used between two beats
        self._last: float | None = None
        self._last_cpu = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self._last is not None:
            self.late.append(max(0.0, now - self._last - self.interval))
            self.cpu.append(cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu

    def start(self) -> None:
        self.late.clear()
        self.cpu.clear()
        self._last = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def stats(self) -> dict[str, float]:
        if not self.late:
            return {"n": 0, "p50_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}
        ms = sorted(x * 1000 for x in self.late)
        cpu = sorted(x * 1000 for x in self.cpu)
        return {
            "n": len(ms),
            "p50_ms": statistics.median(ms),
            "p99_ms": ms[min(len(ms) - 1, int(0.99 * len(ms)))],
            "max_ms": ms[-1],
            "cpu_p99_ms": cpu[min(len(cpu) - 1, int(0.99 * len(cpu)))],
            "cpu_max_ms": cpu[-1],
        }


@dataclass
class GuiRun:
    status: str
    steps: int
    samples_per_s: float
    wall_s: float
    heartbeat: dict[str, float]
    stop_s: float | None = None
    points: dict[str, int] = field(default_factory=dict)
    #: Plots redrawn per second while training (the dashboard's count), None when not counted.
    redraws_per_s: float | None = None


def wait(app_, predicate, timeout_s: float) -> bool:
    end = time.perf_counter() + timeout_s
    while not predicate():
        if time.perf_counter() > end:
            return False
        app_.processEvents()
        time.sleep(0.001)
    return True


def gui_run(
    spec, base, seconds: float | None = None, size=(1500, 900), heartbeat: bool = True
) -> GuiRun:
    """Train ``spec`` in a shown TrainingPanel with the heartbeat running. With ``seconds``, stop
    after that long (and time the stop); else run to the end. The event loop is Qt's own."""
    from PySide6.QtCore import QEventLoop, QTimer

    from workbench.gui.document import ProjectDocument
    from workbench.gui.panels.training import TrainingPanel

    a = app()
    doc = ProjectDocument()
    doc.replace(spec, None, base)
    panel = TrainingPanel(doc)
    panel.resize(*size)
    panel.show()
    a.processEvents()
    beat = Heartbeat()
    loop = QEventLoop()
    panel.run_finished.connect(loop.quit)
    t0 = time.perf_counter()
    panel.train()
    # The heartbeat counts from the first plotted step (torch import and data loading before it
    # are start-up, measured by the start-up benchmark).
    wait(a, lambda: panel.dashboard.point_counts()["loss"] > 0 or not panel.is_running(), 600)
    if heartbeat:
        beat.start()
    t_plotting = time.perf_counter()
    redraws_before = getattr(panel.dashboard, "redraws", None)
    stop_s = None
    if seconds is not None:
        stopper = QTimer()
        stopper.setSingleShot(True)
        stopped_at: list[float] = []

        def stop_now() -> None:
            stopped_at.append(time.perf_counter())
            panel.stop()

        stopper.timeout.connect(stop_now)
        stopper.start(int(seconds * 1000))
    if panel.is_running():
        loop.exec()
    beat.stop()
    if seconds is not None and stopped_at:
        stop_s = time.perf_counter() - stopped_at[0]
    wall = time.perf_counter() - t0
    plotting_s = time.perf_counter() - t_plotting
    redraws = getattr(panel.dashboard, "redraws", None)
    redraws_per_s = (
        (redraws - redraws_before) / plotting_s
        if redraws is not None and redraws_before is not None and plotting_s > 0
        else None
    )
    result = panel.result
    run = GuiRun(
        status=panel.state,
        steps=getattr(result, "steps", 0),
        samples_per_s=float((getattr(result, "metrics", {}) or {}).get("samples_per_s", 0.0)),
        wall_s=wall,
        heartbeat=beat.stats(),
        stop_s=stop_s,
        points=panel.dashboard.point_counts(),
        redraws_per_s=redraws_per_s,
    )
    panel.shutdown()
    panel.close()
    panel.deleteLater()
    a.processEvents()
    return run


def idle_heartbeat(seconds: float = 2.0) -> dict[str, float]:
    """The heartbeat with nothing else running: the floor of what the timer can do here."""
    from PySide6.QtCore import QEventLoop, QTimer

    beat = Heartbeat()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    beat.start()
    loop.exec()
    beat.stop()
    return beat.stats()


def headless_run(spec, base) -> tuple[float, int]:
    """The engine alone on this thread, same spec and torch threads: (samples/s, steps)."""
    from workbench.core.training import Trainer

    result = Trainer(spec.copy(), base).run()
    return float(result.metrics.get("samples_per_s", 0.0)), result.steps


def set_gui_threads() -> int:
    import torch

    from workbench.core.training.session import torch_threads

    n = torch_threads(interactive=True) or torch.get_num_threads()
    torch.set_num_threads(n)
    return n


def fmt_beat(b: dict[str, float]) -> str:
    text = (
        f"heartbeat late p50 {b['p50_ms']:5.1f} ms  p99 {b['p99_ms']:5.1f} ms  "
        f"max {b['max_ms']:6.1f} ms  ({b['n']} beats)"
    )
    if "cpu_p99_ms" in b:  # how much of a gap was the GUI thread's own work
        text += f"  GUI CPU per gap p99 {b['cpu_p99_ms']:4.1f} max {b['cpu_max_ms']:5.1f} ms"
    return text


def set_switch_interval(value_ms: float | None) -> None:
    """Override the worker's GIL switch interval (None: leave Python's default alone)."""
    from workbench.gui.worker import TrainingWorker

    TrainingWorker.switch_interval_s = None if value_ms is None else value_ms / 1000.0


def unplotted_heartbeat(spec, base, seconds: float) -> dict[str, float]:
    """The heartbeat while the same training runs on a plain Python thread and nothing is
    plotted: what the machine, the GIL and training alone cost the GUI thread (a baseline)."""
    import threading

    from PySide6.QtCore import QEventLoop, QTimer

    from workbench.core.training import Trainer
    from workbench.gui.worker import TrainingWorker

    trainer = Trainer(spec.copy(), base)
    steps: list[int] = []
    trainer.events.subscribe(lambda e: steps.append(1) if e.kind == "step" else None)
    old = sys.getswitchinterval()
    if TrainingWorker.switch_interval_s is not None:
        sys.setswitchinterval(TrainingWorker.switch_interval_s)  # as the GUI run has it
    thread = threading.Thread(target=trainer.run, name="bench-unplotted")
    thread.start()
    a = app()
    wait(a, lambda: bool(steps) or not thread.is_alive(), 600)
    beat = Heartbeat()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    beat.start()
    loop.exec()
    beat.stop()
    trainer.control.stop()
    thread.join()
    sys.setswitchinterval(old)
    return beat.stats()
