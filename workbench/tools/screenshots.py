"""Render the main window and each panel to PNG, offscreen, with real data and a real run.

    python -m workbench.tools.screenshots OUTDIR [--epochs N]

Loads the built-in example, builds a two-block model through the document (as the forms do),
trains it for a few epochs on the background worker, and saves one image per view; then the
Runs tab with a short real sweep run from the app (``runs_screenshots``). Look at
every image after a change to the GUI: that is what users see.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

WIDTH, HEIGHT = 1360, 860


def _wait(app, condition, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    app.processEvents()
    return condition()


def _save(widget, path: Path, app) -> None:
    for _ in range(5):  # let layouts and plots settle
        app.processEvents()
        time.sleep(0.02)
    widget.grab().save(str(path))
    print(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--epochs", type=int, default=4, help="epochs of the short real run")
    parser.add_argument(
        "--processes",
        type=int,
        default=2,
        help="also the same run on N processes, mid-run (training-processes.png; 1: skip)",
    )
    parser.add_argument(
        "--inspect", action="store_true", help="also every Inspect view (inspect-*.png)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Fresh settings and run folders: the images must not show the runs or recent files of
    # whoever made them (set the variables to use your own).
    scratch = tempfile.mkdtemp(prefix="workbench-screenshots-")
    os.environ.setdefault("WORKBENCH_SETTINGS_DIR", scratch)
    os.environ.setdefault("WORKBENCH_RUNS_DIR", str(Path(scratch) / "runs"))
    out: Path = args.outdir
    out.mkdir(parents=True, exist_ok=True)

    from workbench.core.spec.layers import new_layer
    from workbench.gui.app import create_app
    from workbench.gui.main_window import MainWindow

    app = create_app()
    window = MainWindow()
    window.resize(WIDTH, HEIGHT)
    window.open_project("example:seed-lstm")
    doc = window.document
    window.show()
    if not _wait(app, lambda: window._devices_ready and window._parts_ready, 120):
        print("warning: start-up did not finish", file=sys.stderr)
    _wait(app, lambda: not window.data_panel.is_loading(), 120)

    tabs = window.tabs
    # 1. Data: a real CSV (airline passengers, forecasting) with its windows and split
    tabs.setCurrentIndex(0)
    window.data_panel.set_source("resource:airline-passengers.csv")
    doc.set_value("data.normalization", "zscore")
    doc.set_value("data.window", 12)
    window.data_panel.reload()
    _wait(app, lambda: not window.data_panel.is_loading(), 120)
    _save(window, out / "data.png", app)
    window.first_run_hint.hide()  # shown once (data.png); the other images show the panels

    # 2. Model: back to the classification example, a two-block LSTM stack
    doc.undo_stack.setClean()  # no "save changes?" dialog: nobody is there to answer it
    window.open_project("example:seed-lstm")
    _wait(app, lambda: not window.data_panel.is_loading(), 120)
    doc.edit(
        "Add blocks",
        lambda s: s.model.layers.extend(
            [new_layer("dropout", p=0.2), new_layer("lstm", hidden_size=32)]
        ),
    )
    doc.set_value("model.layers[0].num_layers", 2)
    tabs.setCurrentIndex(1)
    window.model_panel.select(2)
    _save(window, out / "model.png", app)
    doc.set_value("model.layers[2].proj_size", 64)  # invalid: must be < hidden size
    _save(window, out / "model-invalid.png", app)
    doc.undo_stack.undo()

    # 3. Training: a short real run of that model
    tabs.setCurrentIndex(2)
    doc.edit("Short run", lambda s: s.data.builtin.update(n_samples=3000))
    doc.set_value("train.epochs", args.epochs)
    panel = window.training_panel
    if panel is not None:
        _wait(app, lambda: not window.data_panel.is_loading(), 120)
        if panel.train():
            # mid-run: the live plots as a user watches them (issue 6)
            mid = lambda: panel.dashboard.point_counts().get("epoch:val_loss", 0) >= 2  # noqa: E731
            _wait(app, lambda: mid() or not panel.is_running(), 600)
            _save(window, out / "training-live.png", app)
            _wait(app, lambda: panel.state not in ("running", "paused", "stopping"), 600)
            _wait(app, lambda: not panel.is_running(), 30)
    _save(window, out / "training.png", app)

    # 4. Inspect
    tabs.setCurrentIndex(3)
    _save(window, out / "inspect.png", app)
    if args.inspect:  # every Inspect view mid-training on real examples (minutes)
        from workbench.tools.inspect_screenshots import render_inspect

        render_inspect(app, window, out)

    if panel is not None and args.processes > 1:
        tabs.setCurrentIndex(2)
        _processes_run(app, window, panel, args.processes, out)

    doc.undo_stack.setClean()
    window.close()
    app.processEvents()

    # 5. Runs tab: a baseline, the Sweep editor and a short real sweep run from the app
    from workbench.tools.runs_screenshots import render_runs

    if render_runs(app, out):
        print("warning: the runs and sweep images were not made", file=sys.stderr)
    return 0


def _processes_run(app, window, panel, n: int, out: Path) -> None:
    """The same project on ``n`` processes (Training › Device › Processes), mid-run."""
    settings = window.train_settings
    settings.processes.setValue(min(n, settings.processes.maximum()))
    if panel.processes < 2:
        return  # one core: nothing to show
    if panel.train():
        app.processEvents()
        bar = settings.verticalScrollBar()
        bar.setValue(bar.maximum())  # the Device box, with Processes, at the bottom
        mid = lambda: panel.dashboard.point_counts().get("epoch:val_loss", 0) >= 2  # noqa: E731
        _wait(app, lambda: mid() or not panel.is_running(), 600)
        _save(window, out / "training-processes.png", app)
        panel.stop()
        _wait(app, lambda: not panel.is_running(), 120)
    settings.processes.setValue(1)


if __name__ == "__main__":
    raise SystemExit(main())
