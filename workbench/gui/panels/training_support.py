"""Helpers of the training panel: its dialogs and the texts it shows."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from workbench.core.training.baselines import BASELINE_TAG
from workbench.gui.plain_text import ask, message_box
from workbench.gui.worker import ErrorInfo


def show_error_dialog(parent: QWidget | None, title: str, info: ErrorInfo) -> None:
    """Message + hint, the traceback under "Show Details…" (tests monkeypatch this)."""
    box = message_box(parent, QMessageBox.Icon.Critical, title, info.message, info.hint)
    if info.details:
        box.setDetailedText(info.details)
    box.exec()


def stop_question(run_dir: Any = None) -> str:
    """What Stop does, in words that hold for this build: the checkpoint is saved and the
    command line continues the run (``workbench resume``)."""
    folder = f"\n\nRun folder: {run_dir}" if run_dir else ""
    return (
        "Stop training? The run stops after the current batch and its state is saved as a "
        "checkpoint; continue it later with “workbench resume RUN_FOLDER” on the command line."
        + folder
    )


def ask_stop(parent: QWidget | None) -> bool:
    """Ask before closing while training runs; True = stop it (tests monkeypatch this)."""
    worker = getattr(parent, "worker", None)
    answer = ask(
        parent,
        "Training is running",
        stop_question(getattr(worker, "run_dir", None)),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes


def runs_root_of(document: Any) -> Any:
    """The document's run store, or None for a stand-in document without one (tests)."""
    root = getattr(document, "runs_root", None)
    return root() if callable(root) else None


def mark_failed(run_dir, info: ErrorInfo | None) -> None:
    """Make sure the run store says ``failed`` (the engine does; this covers a crash before it)."""
    if not run_dir:
        return
    from workbench.core.runs import RunDir

    run = RunDir(run_dir)
    if run.path.is_dir() and run.read_status().get("status") != "failed":
        run.write_status("failed", message=info.message if info else "")


def process_factory(n: int, spec: Any, options: Any) -> tuple[Any, Any]:
    """``(factory, options)`` for a run of ``spec`` on ``n`` processes: a ``start_run``-like
    factory and options naming its run folder (the processes are followed through it)."""
    import dataclasses

    from workbench.core.training.process_session import start_process_run

    if options.run_dir is None:  # no run store (a stand-in document): the engine's default
        from workbench.core.runs import default_run_dir

        options = dataclasses.replace(options, run_dir=default_run_dir(spec.name))

    def factory(spec: Any, base_dir: Any, options: Any) -> Any:
        return start_process_run(spec, base_dir, options, n)

    return factory, options


def final_text(status: str, result: Any, error: ErrorInfo | None) -> str:
    if status == "failed":
        return f"Failed: {error.message}" if error else "Failed"
    metrics = getattr(result, "metrics", None) or {}
    # The numbers a user compares runs by; the rest (lr, samples/s, …) are on the plots.
    # A baseline goes in brackets after the metric it is the baseline of, so the line fits.
    keep = [k for k in metrics if k.startswith(("val_", "test_")) or k == "train_loss"]
    numbers = {k: metrics[k] for k in keep if isinstance(metrics[k], int | float)}
    parts = []
    for key, value in numbers.items():
        if BASELINE_TAG in key:
            continue
        split, _, metric = key.partition("_")
        baseline = numbers.get(f"{split}{BASELINE_TAG}{metric}")
        parts.append(
            f"{key} {value:.4g}" + (f" (baseline {baseline:.4g})" if baseline is not None else "")
        )
    shown = ", ".join(parts)
    return status.capitalize() + (f" — {shown}" if shown else "")


def clock(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
