"""File › Predict on File…, Evaluate on Test Split…, Export Model…, Export Report…: the
trained run's model used from the app. Each runs ``core.serving`` on a worker thread
(``worker.run_task``) behind a progress dialog with Cancel; results open in ``model_views``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QInputDialog, QProgressDialog, QWidget

from workbench.gui.plain_text import as_plain, inform
from workbench.gui.worker import ErrorInfo, run_task

EXPORT_FORMATS = ("onnx", "torchscript", "pt2", "pytorch", "safetensors")


class Progress:
    """A progress dialog over one task: polls ``state.progress`` at 10 Hz (no signal per
    batch), Cancel asks the task to stop. ``finished(ok)`` is called once."""

    def __init__(self, parent: QWidget | None, label: str) -> None:
        self.dialog = QProgressDialog(as_plain(label), "Cancel", 0, 100, parent)
        self.dialog.setWindowTitle("Sequence Workbench")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)  # quick jobs never flash a dialog
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.timer = QTimer(self.dialog)
        self.timer.setInterval(100)
        self.job: Any = None
        self.dialog.canceled.connect(self.cancel)
        self.timer.timeout.connect(self._poll)

    def start(
        self, fn: Callable[[Any], Any], done: Callable[[Any], None], parent: QWidget | None
    ) -> Any:
        def on_done(result: Any) -> None:
            self._close()
            done(result)

        def on_error(info: ErrorInfo) -> None:
            self._close()
            if info.message == "cancelled":
                return
            show_failure(parent, info)

        self.job = run_task(fn, on_done, on_error, name="workbench-use-model", parent=parent)
        self.timer.start()
        return self.job

    def cancel(self) -> None:
        if self.job is not None:
            self.job.request_stop()

    def _poll(self) -> None:
        if self.job is not None:
            self.dialog.setValue(int(100 * min(1.0, self.job.state.progress)))

    def _close(self) -> None:
        self.timer.stop()
        self.dialog.canceled.disconnect(self.cancel)
        self.dialog.close()
        self.dialog.deleteLater()


def show_failure(parent: QWidget | None, info: ErrorInfo) -> None:
    from workbench.gui.panels.training_support import show_error_dialog

    show_error_dialog(parent, "Cannot use the model", info)


def default_run(window: Any) -> Path | None:
    """The run the actions use unless told: the latest one trained in this window."""
    panel = getattr(window, "training_panel", None)
    last = getattr(panel, "last_run_dir", None)
    if last:
        return Path(last)
    runs = getattr(getattr(window, "document", None), "session_runs", None) or []
    return Path(runs[-1]) if runs else None


def ask_run(window: Any) -> Path | None:
    start = default_run(window)
    folder = QFileDialog.getExistingDirectory(
        window, "Choose a run folder", str(start or Path.cwd())
    )
    return Path(folder) if folder else None


def _load(run_dir: Path, checkpoint: str = "best") -> Any:
    from workbench.core.serving.loaded import load_run

    return load_run(run_dir, checkpoint)


def predict_on_file(window: Any, run_dir: Path | None = None, file: str | None = None) -> Any:
    """Choose a file, predict on it in the background, show the predictions dialog."""
    run_dir = run_dir or ask_run(window)
    if run_dir is None:
        return None
    if file is None:
        file, _ = QFileDialog.getOpenFileName(window, "Predict on file", str(Path.cwd()))
        if not file:
            return None

    def task(state: Any) -> Any:
        from workbench.core.serving.evaluation import load_inputs, run_evaluation

        run = _load(run_dir)
        inputs = load_inputs(run, file, None)
        return run, run_evaluation(
            run, inputs, progress=state.set_progress, should_stop=state.should_stop
        )

    def done(result: Any) -> None:
        from workbench.gui.model_views import PredictionsDialog

        window.predictions_dialog = PredictionsDialog(*result, parent=window)
        window.predictions_dialog.show()

    return Progress(window, f"Predicting on {Path(file).name}…").start(task, done, window)


def evaluate(window: Any, run_dir: Path | None = None) -> Any:
    """The Evaluate view: the run on its whole test split."""
    run_dir = run_dir or ask_run(window)
    if run_dir is None:
        return None

    def task(state: Any) -> Any:
        from workbench.core.serving.evaluation import load_inputs, run_evaluation

        run = _load(run_dir)
        inputs = load_inputs(run, None, "test")
        return run, run_evaluation(run, inputs, True, state.set_progress, state.should_stop)

    def done(result: Any) -> None:
        from workbench.gui.model_views import EvaluateView

        window.evaluate_view = EvaluateView(*result, parent=window)
        window.evaluate_view.show()

    return Progress(window, "Evaluating on the test split…").start(task, done, window)


def export_model(
    window: Any, run_dir: Path | None = None, fmt: str | None = None, out: str | None = None
) -> Any:
    run_dir = run_dir or ask_run(window)
    if run_dir is None:
        return None
    if fmt is None:
        fmt, ok = QInputDialog.getItem(
            window, "Export model", "Format:", list(EXPORT_FORMATS), 0, False
        )
        if not ok:
            return None
    if out is None:
        out = QFileDialog.getExistingDirectory(window, "Export into folder", str(run_dir))
        if not out:
            return None

    def task(state: Any) -> Any:
        from workbench.core.serving.export import export_run

        return export_run(_load(run_dir), fmt, out)

    def done(result: Any) -> None:
        diff = (
            ""
            if not result.compared
            else f"\nVerified on {result.compared} test sequences: max |Δ| {result.max_abs_diff:.3g}."
        )
        window.last_export = result
        _inform(
            window,
            "Model exported",
            f"{fmt} export written to {result.folder}:\n{', '.join(result.files)}{diff}",
        )

    return Progress(window, f"Exporting {fmt}…").start(task, done, window)


def export_report(window: Any, run_dir: Path | None = None, out: str | None = None) -> Any:
    run_dir = run_dir or ask_run(window)
    if run_dir is None:
        return None
    if out is None:
        out, _ = QFileDialog.getSaveFileName(
            window, "Export report", str(Path(run_dir) / "report.html"), "HTML (*.html)"
        )
        if not out:
            return None

    def task(state: Any) -> Any:
        from workbench.core.serving.report import write_report

        return write_report(_load(run_dir), out, state.set_progress)

    def done(path: Any) -> None:
        window.last_report = path
        _inform(window, "Report written", f"Report written to {path}")

    return Progress(window, "Writing the report…").start(task, done, window)


def _inform(window: Any, title: str, text: str) -> None:
    """An information box (tests set ``window.quiet_info`` to skip it)."""
    if getattr(window, "quiet_info", False):
        return
    inform(window, title, text)  # quotes paths and file contents


def add_actions(window: Any, menu: Any) -> None:
    """The File menu's entries for using a trained model."""
    for text, slot, tip in (
        (
            "&Predict on File…",
            lambda: predict_on_file(window),
            "Apply a trained run's model to a new file",
        ),
        (
            "E&valuate on Test Split…",
            lambda: evaluate(window),
            "Confusion matrix / forecast of a run on its whole test split",
        ),
        (
            "E&xport Model…",
            lambda: export_model(window),
            "ONNX, TorchScript, a standalone PyTorch file or safetensors",
        ),
        (
            "Export &Report…",
            lambda: export_report(window),
            "One self-contained HTML file about a run",
        ),
    ):
        action = menu.addAction(text)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _c=False, s=slot: s())
