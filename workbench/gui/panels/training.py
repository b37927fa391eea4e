"""The live training panel: Train / Pause / Resume / Step N / Stop, progress, live plots, runs.

The engine runs on a ``TrainingWorker`` thread; its events pile up in a buffer that a GUI timer
drains at 10 Hz (no Qt signal per batch). A run on several processes goes through the same
seam: its session (``core.training.process_session``) starts them as a subprocess and, on the
worker thread, turns what rank 0 writes into the run folder back into the same events. Each tick redraws at most one visible plot (the step
loss 5 times a second, the others in turn, each every 2 s) and the progress line twice a second,
so the window stays responsive however fast training steps, and training keeps its speed.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDoubleValidator, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.inspection.events import INSPECTION_EVENTS
from workbench.core.inspection.feed import InspectionSettings
from workbench.core.run_history import load_run_curves
from workbench.core.spec.project import LR_MAX
from workbench.core.training.events import ErrorEvent, ProbeEvent, StatusEvent, StepEvent
from workbench.core.training.session import RunOptions, TrainingSession, start_run
from workbench.gui.panels.training_support import (
    ask_stop,
    clock,
    final_text,
    mark_failed,
    process_factory,
    runs_root_of,
    show_error_dialog,
)
from workbench.gui.plain_text import as_plain, plain_label, warn
from workbench.gui.plots.dashboard import TrainingDashboard
from workbench.gui.plots.runs_list import RunsList
from workbench.gui.worker import ErrorInfo, TrainingWorker, run_in_thread

# 10 Hz (<= 30 Hz): every wake-up of the GUI thread takes the GIL from the training thread,
# and on a busy machine CPython's forced GIL hand-over can stall training for a scheduling
# delay each time; 30 Hz cost 25-40% of seed-lstm's throughput there, 10 Hz about 10%.
DRAIN_MS = 100
PROGRESS_EVERY_S = 0.5  # the progress bar and its text: 2 Hz reads as live, costs less
ACTIVE = ("running", "paused", "stopping")


class TrainingPanel(QWidget):
    run_state_changed = Signal(
        str
    )  # idle|running|paused|stopping|completed|stopped|diverged|failed
    probe_received = Signal(object)
    run_finished = Signal(str)  # the final status, after the worker thread was joined
    run_started = Signal()  # Train or Step started a run

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.state = "idle"
        self.worker: TrainingWorker | None = None
        self.result: Any = None
        self.last_error: ErrorInfo | None = None
        #: ``start_run``-compatible: makes the run on the worker thread (tests swap it).
        self.run_factory: Callable[..., TrainingSession] = start_run
        #: Processes the next run trains on (Training › Device); above 1 it is a subprocess.
        self.processes = 1
        self._multi = False  # the current run is on several processes
        #: What to inspect (the Inspect panel's settings; None: no probe).
        self.inspection: InspectionSettings | None = None
        #: The latest run (kept after it ended, for sampling from its weights).
        self.session: TrainingSession | None = None
        self._blocked: str | None = None
        self._error_shown = False
        self._run_key: str | None = None
        self._loading_runs: dict[str, Any] = {}  # run key → background job reading its log
        self.last_run_dir = None  # the folder of the latest run (once the engine made it)
        self._claimed_run_dir = None  # the store folder claimed for the latest run
        self.closed_within_s: float | None = None  # how long the last shutdown's stop+join took
        self._reset_progress()
        self._timer = QTimer(self)
        self._timer.setObjectName("training-drain")
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self._drain)
        self._make_actions()
        self._build()
        self._update_controls()
        document.spec_replaced.connect(self.reload_runs)
        if hasattr(document, "runs_root_changed"):
            document.runs_root_changed.connect(self.reload_runs)
        self.reload_runs()

    # ---- actions --------------------------------------------------------------------------
    def _action(self, text: str, shortcut: str, tip: str, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.train_action = self._action("Train", "F5", "Start training this project", self.train)
        self.pause_action = self._action(
            "Pause", "F6", "Pause after the current batch (again: resume)", self.toggle_pause
        )
        self.resume_action = QAction("Resume", self)
        self.resume_action.setToolTip("Continue training (F6)")
        self.resume_action.triggered.connect(self.resume)
        self.step_action = self._action(
            "Step", "F10", "Run the number of batches beside the button, then pause", self.step
        )
        self.stop_action = self._action(
            "Stop", "Shift+F5", "Stop after the current batch and save a checkpoint", self.stop
        )

    def _button(self, action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setMinimumWidth(64)
        return button

    def _build(self) -> None:
        self.step_count = QSpinBox()
        self.step_count.setRange(1, 100_000)
        self.step_count.setValue(10)
        self.step_count.setSuffix(" batches")
        self.step_count.setToolTip("Batches run by Step")
        self.lr_edit = QLineEdit()
        validator = QDoubleValidator(1e-12, LR_MAX, 12)  # bottom: Qt's stand-in for "> 0"
        validator.setLocale(QLocale.c())  # "0.001" / "1e-3" whatever the system's decimal mark
        validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
        self.lr_edit.setValidator(validator)
        self.lr_edit.setMaximumWidth(90)
        self.lr_edit.setToolTip("Learning rate: editable while paused, applied from the next batch")
        self.lr_edit.editingFinished.connect(self._apply_lr)
        self.status_label = plain_label(
            QLabel("Ready: Train (F5) starts a run, Step (F10) runs a few batches")
        )  # shows error messages that quote data
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = QHBoxLayout()
        for action in (self.train_action, self.pause_action):
            bar.addWidget(self._button(action))
        bar.addWidget(self._button(self.step_action))
        bar.addWidget(self.step_count)
        bar.addWidget(self._button(self.stop_action))
        bar.addSpacing(12)
        bar.addWidget(QLabel("LR"))
        bar.addWidget(self.lr_edit)
        bar.addSpacing(12)
        bar.addWidget(self.status_label, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)  # the text sits beside the bar, readable at any fill
        self.progress.setMaximumHeight(14)
        self.progress_label = QLabel("Not started")
        # Fixed size: a label whose text changes width would re-lay out the whole panel on
        # every update (measured: ~10 ms of GUI-thread time each).
        self.progress_label.setFixedWidth(420)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.progress_label)

        self.dashboard = TrainingDashboard()
        self.runs = RunsList()
        self.runs.toggled.connect(self._on_run_toggled)
        self.settings_area = QWidget()
        self.settings_area.setLayout(QVBoxLayout())
        self.settings_area.layout().setContentsMargins(0, 0, 0, 0)
        self.settings_area.hide()  # shown when a form is put in it
        runs_box = QWidget()
        runs_layout = QVBoxLayout(runs_box)
        runs_layout.setContentsMargins(0, 0, 0, 0)
        runs_layout.setSpacing(2)
        runs_layout.addWidget(QLabel("Runs of this project — tick runs to overlay their curves"))
        runs_layout.addWidget(self.runs)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.dashboard)
        right.addWidget(runs_box)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 0)
        right.setSizes([700, 140])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.settings_area)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([300, 1000])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addLayout(progress_row)
        layout.addWidget(self.splitter, 1)

    def set_settings_widget(self, widget: QWidget) -> None:
        """Put the training-settings form beside the plots (above the runs list)."""
        self.settings_area.layout().addWidget(widget)
        self.settings_area.show()
        changed = getattr(widget, "processes_changed", None)
        if changed is not None:
            changed.connect(self.set_processes)

    def set_processes(self, n: int) -> None:
        """Processes for the next run (1: in this window's process, on a worker thread)."""
        self.processes = max(1, int(n))
        self._update_controls()

    # ---- public API -----------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def set_train_blocked(self, reason: str | None) -> None:
        self._blocked = reason or None
        self._update_controls()

    def train(self, paused_steps: int | None = None) -> bool:
        """Start a run of the document's current spec; False when it cannot start now."""
        if self.is_running() or self._blocked:
            return False
        spec = copy.deepcopy(self.document.spec)
        base_dir = self.document.base_dir
        factory, options = self.run_factory, self._run_options()
        options = dataclasses.replace(options, run_dir=self._claim_run_dir(spec))
        self._multi = self.processes > 1
        if self._multi:
            if paused_steps:
                return False  # Step pauses a run in this process; several cannot pause
            factory, options = process_factory(self.processes, spec, options)

        def make_session() -> TrainingSession:
            self.session = factory(spec, base_dir, options)
            return self.session

        return self._start(spec, make_session, paused_steps)

    def continue_run(self, run_dir: Any) -> bool:
        """Resume a stopped run of the store in its own folder (the stop dialog's promise)."""
        if self.is_running() or self._blocked:
            return False
        from workbench.core.runs import RunDir
        from workbench.core.training.session import resume_run

        run = RunDir.open(run_dir)
        spec = run.read_project()
        options = self._run_options()
        trained_on = int(run.read_info().get("world_size") or 1)
        self._multi = trained_on > 1  # continued on as many processes (exact resume)

        def make_session() -> TrainingSession:
            if self._multi:
                from workbench.core.training.process_session import resume_process_run

                self.session = resume_process_run(run_dir, options, trained_on)  # type: ignore[assignment]
            else:
                self.session = resume_run(run_dir, options)
            return self.session

        self._run_key = str(run_dir)
        return self._start(spec, make_session, None)

    def _start(self, spec, make_session, paused_steps: int | None) -> bool:
        self.worker = TrainingWorker(make_session)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.finished.connect(self._on_finished)
        self.result, self.last_error, self._error_shown = None, None, False
        self._reset_progress(spec)
        self.dashboard.clear_live()
        self.dashboard.set_plan(None, spec.train.epochs)
        self.lr_edit.setText(f"{spec.train.optimizer.lr:g}")
        if paused_steps:
            self.worker.step(paused_steps)
        self._set_state("paused" if paused_steps else "running")
        self.worker.start()
        self._timer.start()
        self.run_started.emit()
        return True

    def _run_options(self) -> RunOptions:
        inspection = self.inspection
        if inspection is None:
            return RunOptions(interactive=True)
        return RunOptions(
            interactive=True,
            probe=inspection.options,
            temperature=inspection.sampling.temperature,
        )

    def toggle_pause(self) -> None:
        if self.state == "paused":
            self.resume()
        else:
            self.pause()

    def pause(self) -> None:
        if self.is_running() and self.state == "running":
            self.worker.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self.is_running() and self.state == "paused":
            self.worker.resume()
            self._set_state("running")

    def step(self, n: int | None = None) -> None:
        """Run ``n`` batches then pause; starts a paused run when idle."""
        n = int(n or self.step_count.value())
        if not self.is_running():
            self.train(paused_steps=n)
        elif self.state in ("running", "paused"):
            self.worker.step(n)
            self._set_state("paused")

    def stop(self) -> None:
        if self.is_running() and self.state != "stopping":
            self.worker.request_stop()
            self._set_state("stopping")

    def join(self, timeout_s: float = 1.0) -> bool:
        """Wait for the worker thread; True when no thread is left."""
        if self.worker is None:
            return True
        ok = self.worker.join(timeout_s)
        if ok:
            self._drain()
        return ok

    def shutdown(self) -> None:
        """Stop without asking and wait until the thread is gone (window closing, tests)."""
        self.wait_for_overlays()
        if self.is_running():
            t0 = time.perf_counter()
            self.stop()
            if not self.join(1.0):
                self.join(60.0)  # a long batch: wait rather than leave a running thread
            self.closed_within_s = time.perf_counter() - t0

    def request_close(self, ask: bool = True) -> bool:
        """Closing the window: ask to stop a running run, then stop + join; False = cancelled."""
        if not self.is_running():
            return True
        if ask and not ask_stop(self):
            return False
        self.shutdown()
        return True

    def reload_runs(self) -> None:
        root = runs_root_of(self.document)
        if root is None:
            return
        legacy = self.document.legacy_runs_roots()
        self.runs.reload(root, legacy, self.document.spec.name, live_key=self._run_key)

    def _claim_run_dir(self, spec) -> Any:
        """A numbered folder in the project's run store, named after the settings."""
        root = runs_root_of(self.document)
        if root is None:
            return None
        from workbench.core.errors import WorkbenchError
        from workbench.core.run_store import new_run_dir

        try:
            run_dir = new_run_dir(root, spec, project_file=self.document.path)
        except WorkbenchError:
            return None  # the engine's default place; it reports a folder it cannot write
        if self.document.path is None:
            self.document.session_runs.append(run_dir)
        self._claimed_run_dir = run_dir
        return run_dir

    # ---- state ----------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        if hasattr(self.document, "set_read_only"):
            self.document.set_read_only(state in ACTIVE)
        self._update_controls()
        self.run_state_changed.emit(state)

    def _update_controls(self) -> None:
        active = self.is_running() or self.state in ACTIVE
        paused = self.state == "paused"
        # Pause, Step and a new learning rate steer a loop in this process only.
        single = not (self._multi if active else self.processes > 1)
        self.train_action.setEnabled(not active and not self._blocked)
        self.train_action.setToolTip(
            f"Cannot train: {self._blocked}"
            if self._blocked
            else "Start training this project (F5)"
        )
        self.pause_action.setEnabled(single and self.state in ("running", "paused"))
        self.pause_action.setText("Resume" if paused else "Pause")
        self.resume_action.setEnabled(paused)
        self.step_action.setEnabled(
            single and (self.state in ("running", "paused") or (not active and not self._blocked))
        )
        self.stop_action.setEnabled(self.state in ("running", "paused"))
        self.lr_edit.setReadOnly(not paused)
        self.lr_edit.setEnabled(active and single)

    def _reset_progress(self, spec=None) -> None:
        self._epochs = spec.train.epochs if spec is not None else 0
        self._planned: int | None = None
        self._active_s = 0.0
        self._last_tick = time.monotonic()
        self._progress_due = 0.0
        self._last_step: Any = None
        self._shown_step: Any = None

    # ---- events ---------------------------------------------------------------------------
    def _drain(self) -> None:
        worker = self.worker
        now = time.monotonic()
        if self.state == "running":
            self._active_s += now - self._last_tick
        self._last_tick = now
        if worker is None:
            return
        events = worker.events.drain()
        if events:
            probes: list[Any] = []
            for event in events:
                if isinstance(event, StepEvent):
                    if self._last_step is None:
                        self._on_first_step()
                    self._last_step = event
                elif isinstance(event, StatusEvent):
                    self._on_status(event)
                elif isinstance(event, ErrorEvent) and self.last_error is None:
                    # The engine's own report; the worker's (with the traceback) wins when both
                    # arrive, whatever the order.
                    self.last_error = ErrorInfo(event.message, event.hint, event.traceback)
                elif isinstance(event, (*INSPECTION_EVENTS, ProbeEvent)):
                    # All of them, in order (some carry per-epoch data); the probe callback
                    # itself throttles how often it publishes.
                    probes.append(event)
            self.dashboard.handle(events)
            for probe in probes:
                self.probe_received.emit(probe)
        if self._last_step is not self._shown_step and now >= self._progress_due:
            self._progress_due = now + PROGRESS_EVERY_S  # each change repaints the bar
            self._show_progress()
        self.dashboard.refresh()

    def _on_first_step(self) -> None:
        self._active_s = 0.0  # ETA from training time only, not data loading
        # The run folder exists now: list the live run (unticked, not tickable) with the others.
        run_dir = self.worker.run_dir if self.worker is not None else None
        if run_dir is not None:
            self._run_key = str(run_dir)
            self.reload_runs()

    def _on_status(self, event) -> None:
        if event.message:
            self.status_label.setText(event.message)
        elif event.status == "preparing":
            self.status_label.setText("Preparing data and model…")
        # running/paused follow the user's requests (set at once); the engine's own echoes of
        # them may arrive a tick later and are only shown as text.

    def _show_progress(self) -> None:
        e = self._shown_step = self._last_step
        if e is None:
            return
        p = min(1.0, max(0.0, float(e.progress or 0.0)))
        if p > 0 and self._planned is None:
            self._planned = round(e.step / p)
            self.dashboard.set_plan(self._planned, self._epochs)
        self.progress.setValue(int(p * 1000))
        parts = [f"Epoch {e.epoch}/{self._epochs}" if self._epochs else f"Epoch {e.epoch}"]
        total = round(e.step / p) if p > 0 else 0
        parts.append(f"step {e.step:,}/{total:,}" if total else f"step {e.step:,}")
        if math.isfinite(e.samples_per_s):
            parts.append(f"{e.samples_per_s:,.0f} samples/s")
        if 0 < p < 1 and self._active_s > 0:
            parts.append(f"ETA {clock(self._active_s * (1 - p) / p)}")
        self.progress_label.setText(" · ".join(parts))
        if self.state != "paused" and not self.lr_edit.hasFocus():
            self.lr_edit.setText(f"{e.lr:.4g}")

    def _show_final_progress(self, status: str) -> None:
        """After the run: where it ended, without the speed and ETA of a run that is over."""
        e = self._last_step
        if e is None:
            self.progress_label.setText(f"{status.capitalize()} before the first batch")
            self.progress.setValue(0)
            return
        parts = [f"Epoch {e.epoch}/{self._epochs}" if self._epochs else f"Epoch {e.epoch}"]
        parts.append(f"step {e.step:,}/{self._planned:,}" if self._planned else f"step {e.step:,}")
        self.progress_label.setText(f"{status.capitalize()} at " + " · ".join(parts))

    def _apply_lr(self) -> None:
        if self.state != "paused" or self.worker is None:
            return
        try:
            lr = float(self.lr_edit.text())
            self.worker.set_lr(lr)
        except ValueError as exc:
            warn(self, "Learning rate", f"Not a usable learning rate: {exc}")  # quotes the text
            return
        self.status_label.setText(f"Learning rate set to {lr:g} from the next batch")

    def _on_done(self, result: Any) -> None:
        self.result = result

    def _on_failed(self, info: ErrorInfo) -> None:
        if self.last_error is not None and not info.hint:
            info.hint = self.last_error.hint
        stderr = getattr(self.session, "stderr", "")
        if stderr:  # a run on several processes: their output says more than our traceback
            info.details = stderr[-20000:]
        self.last_error = info

    def _on_finished(self) -> None:
        worker = self.worker
        self._timer.stop()
        self._drain()
        self._show_progress()
        self.dashboard.refresh_all()
        status = getattr(self.result, "status", None) or (
            "failed" if self.last_error else "stopped"
        )
        if status == "failed" and self.last_error is None:
            self.last_error = ErrorInfo("Training failed", "see the run folder's status.json")
        run_dir = getattr(self.result, "run_dir", None) or getattr(worker, "run_dir", None)
        self.last_run_dir = run_dir
        if status == "failed":
            mark_failed(run_dir, self.last_error)
        # Dropped at the next run, not now: this slot runs inside the worker's own signal.
        self._finished_worker, self.worker = worker, None
        self._set_state(status)
        self._show_final_progress(status)
        text = final_text(status, self.result, self.last_error)
        self.status_label.setText(text)
        self.status_label.setToolTip(as_plain(text))
        self._run_key = None
        if self._claimed_run_dir is not None:
            from workbench.core.run_store import discard_if_unused

            discard_if_unused(self._claimed_run_dir)  # the run never started: no empty row
            if not self._claimed_run_dir.exists() and self._claimed_run_dir in (
                self.document.session_runs
            ):
                self.document.session_runs.remove(self._claimed_run_dir)
            self._claimed_run_dir = None
        self.reload_runs()
        self.run_finished.emit(status)
        if status == "failed" and not self._error_shown:
            self._error_shown = True
            show_error_dialog(self, "Training failed", self.last_error)

    def _on_run_toggled(self, key: str, label: str, color: str, checked: bool) -> None:
        if not checked:
            self._loading_runs.pop(key, None)
            self.dashboard.hide_run(key)
            return

        def show(curves, key=key) -> None:
            self._loading_runs.pop(key, None)
            if key in self.runs.checked_keys():  # still ticked
                self.dashboard.show_run(key, label, color, *curves)

        def failed(info: ErrorInfo, key=key) -> None:
            self._loading_runs.pop(key, None)
            self.status_label.setText(f"Could not read that run: {info.message}")

        # A long run's log has a million lines: parse it off the GUI thread.
        self._loading_runs[key] = run_in_thread(
            lambda: load_run_curves(key), show, failed, name="workbench-run-curves"
        )

    def wait_for_overlays(self, timeout_s: float = 10.0) -> bool:
        """Block until ticked runs have been read (tests, screenshots, closing)."""
        return all(job.join(timeout_s) for job in list(self._loading_runs.values()))
