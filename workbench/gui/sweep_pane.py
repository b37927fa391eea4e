"""The Sweep pane of the Runs tab: edit the project's sweep, run it, follow it, read it.

*Run sweep* starts ``workbench sweep PROJECT --json`` as a child process (``QProcess``: no
thread of ours), which runs its trials in the runner's spawned worker processes, each with its
own torch threads — so the GUI never trains a trial and stays responsive, and parallel trials
use the cores. Trials are ordinary runs of the project's store: while the sweep runs, the runs
table re-lists the store every second (cheap: summaries are cached by file mtime), so trials
appear and progress live. *Stop* writes the sweep's stop file, which every worker polls between
batches: the trial in progress ends ``stopped`` and no new one starts.

The results (parallel coordinates of the trials, Optuna's parameter importances, the best
trial) are read from the study whenever a trial finishes, by ``workbench sweep PROJECT
--summary --json`` in a child process too: Optuna and SQLAlchemy stay out of the GUI process,
and no thread of ours allocates while plot items are replaced (a worker thread importing
Optuna here let the garbage collector free pyqtgraph items off the GUI thread: segfaults).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QProcess, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import WorkbenchError
from workbench.core.sweep.definition import SweepSpec, load_sweep, sweep_file_for
from workbench.core.sweep.runner import SWEEP_DB, request_stop
from workbench.gui.plain_text import message_box, plain_label
from workbench.gui.plots.importance_bars import ImportanceBars
from workbench.gui.plots.parallel_coords import ParallelCoordinates
from workbench.gui.sweep_editor import SweepEditor

#: Milliseconds between looks at the run store while a sweep runs.
REFRESH_MS = 1000
#: Milliseconds a stopped sweep gets to end its trials before its process is killed.
STOP_GRACE_MS = 30_000
_DONE = ("completed", "stopped", "failed", "diverged", "interrupted")


class SweepPane(QWidget):
    """Sweep controls and results for the runs table ``runs`` (a ``RunsPanel``)."""

    open_run_requested = Signal(str)  # a run folder whose settings become the project's
    finished = Signal(object)  # the sweep's summary (dict), or None when it failed

    def __init__(self, runs: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.document = runs.document
        self.process: QProcess | None = None
        self.editor: SweepEditor | None = None
        self.summary: dict[str, Any] | None = None
        self._sweep: SweepSpec | None = None
        self._finished_seen = -1
        self._target = 0  # trials the study will hold when the running sweep ends
        self._loading: QProcess | None = None
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.document.runs_root_changed.connect(self.update_state)
        self.document.spec_replaced.connect(self.update_state)
        self.update_state()

    def _build(self) -> None:
        self.buttons = {
            "edit": QPushButton("Edit sweep…"),
            "run": QPushButton("Run sweep"),
            "stop": QPushButton("Stop"),
            "best": QPushButton("Open best trial"),
        }
        self.buttons["edit"].setToolTip("Which settings vary and how; saved beside the project")
        self.buttons["run"].setToolTip("Run the trials in worker processes (the app stays free)")
        self.buttons["stop"].setToolTip("Stop the running trials; no new trial starts")
        self.buttons["best"].setToolTip("Make the best trial's settings the project's")
        self.buttons["edit"].clicked.connect(self.edit)
        self.buttons["run"].clicked.connect(self.run)
        self.buttons["stop"].clicked.connect(self.stop)
        self.buttons["best"].clicked.connect(self.open_best)
        self.state = plain_label(QLabel(""))
        self.state.setWordWrap(True)
        bar = QHBoxLayout()
        for button in self.buttons.values():
            bar.addWidget(button)
        bar.addWidget(self.state, 1)
        self.coords = ParallelCoordinates()
        self.importance = ImportanceBars()
        split = QSplitter()
        split.addWidget(self.coords)
        split.addWidget(self.importance)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([900, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

    # ---- the sweep file -------------------------------------------------------------------
    def sweep_path(self) -> Path | None:
        path = self.document.path
        return None if path is None else sweep_file_for(path)

    def sweep(self) -> SweepSpec | None:
        """The project's sweep, or None when there is none (or it cannot be read: said)."""
        path = self.sweep_path()
        if path is None or not path.is_file():
            self._sweep = None
            return None
        try:
            self._sweep = load_sweep(path)
        except WorkbenchError as exc:
            self.state.setText(f"{path.name}: {exc.one_line()}")
            self._sweep = None
        return self._sweep

    def edit(self) -> SweepEditor | None:
        """Open the editor (window-modal, not blocking); saving it updates this pane."""
        path = self.sweep_path()
        if path is None:
            self._tell("Save the project first: its sweep is kept in a file beside it.")
            return None
        self.editor = SweepEditor(self.document.spec, path, self.sweep(), self)
        self.editor.accepted.connect(self.update_state)
        self.editor.open()
        return self.editor

    # ---- running --------------------------------------------------------------------------
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def run(self) -> bool:
        """Start the sweep's trials in worker processes."""
        if self.running():
            return False
        path, sweep = self.sweep_path(), self.sweep()
        if path is None or self.document.modified:
            self._tell("Save the project first: the sweep trains the saved project file.")
            return False
        if sweep is None:
            self.edit()
            return False
        process = self._workbench(["sweep", str(self.document.path), "--json"])
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self.process = process
        self._finished_seen = -1
        planned = sweep.grid_size() if sweep.sampler == "grid" else sweep.trials
        self._target = sum(self._count()[:2]) + planned  # trials of earlier runs, and these
        process.start()
        self.timer.start()
        self.update_state()
        return True

    def stop(self) -> None:
        if not self.running() or self._sweep is None:
            return
        request_stop(self.document.runs_root(), self._sweep.name)
        self.state.setText("Stopping: the running trials end after their current batch…")
        QTimer.singleShot(STOP_GRACE_MS, self._kill_if_running)

    def shutdown(self) -> None:
        """Stop a running sweep and wait for it (the window closes)."""
        if self._loading is not None:
            self._loading.kill()
            self._loading.waitForFinished(2000)
        if self.running():
            self.stop()
            assert self.process is not None
            if not self.process.waitForFinished(STOP_GRACE_MS):
                self.process.kill()
                self.process.waitForFinished(2000)
        self.timer.stop()

    def _kill_if_running(self) -> None:
        if self.running():
            assert self.process is not None
            self.process.kill()

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.timer.stop()
            self._tell(f"The sweep could not start: {self.process.errorString()}")
            self.process = None
            self.update_state()

    def _on_finished(self, code: int, _status) -> None:
        process, self.process = self.process, None
        self.timer.stop()
        if self._loading is not None:  # a study read still running: the final summary wins
            self._loading.kill()
            self._loading.waitForFinished(2000)
        out = bytes(process.readAllStandardOutput()).decode("utf-8", "replace")
        err = bytes(process.readAllStandardError()).decode("utf-8", "replace")
        process.deleteLater()
        summary = _last_json(out)
        self.runs.reload()
        if code != 0 or summary is None:
            errors = [line for line in err.splitlines() if line.startswith("error:")]
            text = errors[-1][len("error:") :].strip() if errors else f"exit code {code}"
            self.state.setText(f"The sweep ended with an error: {text}")
            self.finished.emit(None)
            if code not in (0, 130):
                self._tell(f"The sweep ended with an error:\n{text}")
            self.refresh_results()
            return
        self.summary = summary
        self.show_results(summary)
        self.update_state()
        self.finished.emit(summary)

    def _tick(self) -> None:
        self.runs.refresh()
        self.update_state()
        done = self._count()[0]
        if done != self._finished_seen and self.refresh_results():  # a trial finished
            self._finished_seen = done

    # ---- what it shows --------------------------------------------------------------------
    def _count(self) -> tuple[int, int, int]:
        """(finished, running, pruned) trials of the sweep among the listed runs."""
        name = self._sweep.name if self._sweep is not None else None
        trials = [r for r in self.runs.runs if name and r.meta.sweep == name]
        finished = sum(r.status in _DONE for r in trials)
        pruned = sum("pruned" in r.meta.tags for r in trials)
        return finished, len(trials) - finished, pruned

    def update_state(self) -> None:
        sweep = self.sweep()
        running = self.running()
        self.buttons["run"].setEnabled(not running)
        self.buttons["edit"].setEnabled(not running)
        self.buttons["stop"].setEnabled(running)
        best = (self.summary or {}).get("best") or {}
        self.buttons["best"].setEnabled(bool(best.get("run_dir")))
        if sweep is None:
            saved = self.document.path is not None
            self.state.setText(
                "No sweep yet: Edit sweep… picks the settings to vary."
                if saved
                else "Save the project to define a sweep for it."
            )
            return
        finished, live, pruned = self._count()
        of = f" of {self._target}" if running else ""
        text = (
            f"Sweep {sweep.name!r} ({sweep.sampler}, {sweep.objective} {sweep.direction[:3]}): "
            f"{finished}{of} trial{'s' if finished != 1 or of else ''} done"
            + (f", {pruned} pruned" if pruned else "")
        )
        if running:
            text += f", {live} running · {sweep.jobs} worker process" + (
                "es" if sweep.jobs != 1 else ""
            )
        if (self.summary or {}).get("stopped") and not running:
            text += " · stopped"
        if best.get("value") is not None:
            names = {str(r.path): r.name for r in self.runs.runs}
            who = names.get(str(best.get("run_dir")), f"trial {best['number']}")
            text += f" · best: {who}, {sweep.objective} {best['value']:.4g}"
        self.state.setText(text)

    def refresh_results(self) -> bool:
        """Read the study (trials, importances, best) in a child process, then draw it;
        False when a read is already under way."""
        sweep = self.sweep()
        if sweep is None or self._loading is not None:
            return False
        if not (self.document.runs_root() / SWEEP_DB).is_file():
            self.show_results({"trials": [], "importances": {}, "best": None})
            return True
        reader = self._workbench(["sweep", str(self.document.path), "--summary", "--json"])
        reader.finished.connect(lambda code, _s: self._on_results(reader, code))
        self._loading = reader
        reader.start()
        return True

    def _workbench(self, args: list[str]) -> QProcess:
        """``workbench ARGS`` as a child process of this pane (same interpreter)."""
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "workbench", *args])
        return process

    def _on_results(self, reader: QProcess, code: int) -> None:
        self._loading = None
        out = bytes(reader.readAllStandardOutput()).decode("utf-8", "replace")
        reader.deleteLater()
        summary = _last_json(out) if code == 0 else None
        if summary is not None:  # else (killed, or the study not there yet) keep what shows
            self.summary = summary
            self.show_results(summary)
        self.update_state()

    def show_results(self, summary: dict[str, Any]) -> None:
        sweep = self._sweep
        if sweep is None:
            return
        self.coords.set_trials(
            sweep.params, summary.get("trials", []), sweep.objective, sweep.direction
        )
        self.importance.set_importances(summary.get("importances") or {})

    def open_best(self) -> None:
        best = (self.summary or {}).get("best") or {}
        if best.get("run_dir"):
            self.open_run_requested.emit(best["run_dir"])

    def _tell(self, text: str) -> None:
        message_box(self, QMessageBox.Icon.Information, "Sweep", text).exec()


def _last_json(out: str) -> dict[str, Any] | None:
    for line in reversed(out.strip().splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        return data if isinstance(data, dict) else None
    return None
