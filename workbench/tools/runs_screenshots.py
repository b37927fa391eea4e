"""Render the Runs tab and a real sweep run from the app: ``python -m workbench.tools.runs_screenshots
OUT`` (``workbench.tools.screenshots`` calls it too).

Everything happens in a temporary folder: a tiny seed-classification project and a baseline
run; the Sweep editor (``sweep-editor.png``) defines a 6-trial random search over layer type,
hidden size and learning rate with median pruning, and *Run sweep* runs it in 2 worker
processes as a user would. Writes:

- ``runs-table.png``: every run, two selected, their settings diff below (Compare);
- ``runs-sweep-live.png``: the sweep mid-way, trials appearing in the table as they run;
- ``runs-sweep.png``: the table filtered to the sweep's trials, sorted by validation loss, with
  the parallel coordinates and Optuna's parameter importances (Sweep).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT = {
    "name": "seed-demo",
    "data": {"source": "builtin:seed", "builtin": {"n_samples": 320}},
    "model": {"layers": [{"type": "lstm", "hidden_size": 16}]},
    "train": {"batch_size": 16, "epochs": 3, "device": "cpu"},
}
WIDTH, HEIGHT = 1280, 760


def _wait(app, condition, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _save(app, widget, path: Path) -> None:
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)
    widget.grab().save(str(path))
    print(path)


def edit_sweep(editor) -> None:
    """The sweep of the screenshots, entered in the editor as a user would."""
    editor.name.setText("type-size-lr")
    editor.sampler.setCurrentText("random")
    editor.trials.setValue(6)
    editor.jobs.setValue(2)
    editor.prune.setChecked(True)
    editor.startup.setValue(2)
    editor.warmup.setValue(1)
    size, lr = editor.rows  # the default sweep: hidden size and learning rate
    size.low.setText("4")
    size.high.setText("32")
    size.step.setText("4")
    lr.low.setText("1e-4")
    lr.high.setText("3e-2")
    kind = editor.add_row("model.layers[0].type")
    kind.choices.setText("lstm, gru")


def render_runs(app, out: Path) -> int:
    """Make the images in ``out``; 0 on success."""
    from PySide6.QtCore import Qt

    from workbench.cli import main as cli

    with tempfile.TemporaryDirectory(prefix="wb-runs-shots-") as tmp:
        old_runs = os.environ.get("WORKBENCH_RUNS_DIR")
        os.environ["WORKBENCH_RUNS_DIR"] = str(Path(tmp) / "user-runs")
        try:
            project = Path(tmp) / "seed-demo.json"
            project.write_text(json.dumps(PROJECT))
            if cli(["train", str(project), "--json"]):
                return 1
            return _render(app, out, project, Qt)
        finally:
            if old_runs is None:
                os.environ.pop("WORKBENCH_RUNS_DIR", None)
            else:
                os.environ["WORKBENCH_RUNS_DIR"] = old_runs


def _render(app, out: Path, project: Path, Qt) -> int:  # noqa: N803 - the Qt namespace
    from workbench.core import run_store
    from workbench.gui.document import ProjectDocument
    from workbench.gui.panels.runs import RunsPanel

    doc = ProjectDocument()
    doc.open(project)
    first = run_store.find_run("1", doc.runs_root())
    run_store.update_meta(first, name="baseline", notes="LSTM(16), 3 epochs", starred=True)
    panel = RunsPanel(doc)
    panel.resize(WIDTH, HEIGHT)
    panel.show()
    pane = panel.sweep
    panel.below.setCurrentWidget(pane)

    editor = pane.edit()
    edit_sweep(editor)
    _save(app, editor, out / "sweep-editor.png")
    if not editor.save():
        print(f"sweep editor: {editor.problems.text()}", file=sys.stderr)
        return 1

    if not pane.run():
        print("Run sweep did not start", file=sys.stderr)
        return 1
    # Mid-sweep: trials finished while others still run (the table follows them).
    _wait(app, lambda: pane._count()[0] >= 1 and pane._count()[1] >= 1, 300)
    _wait(app, lambda: len(pane.coords.lines) >= 1 or not pane.running(), 15)  # study read
    _save(app, panel, out / "runs-sweep-live.png")
    if not _wait(app, lambda: not pane.running(), 600):
        print("the sweep did not finish in 10 minutes", file=sys.stderr)
        pane.shutdown()
        return 1
    _wait(app, lambda: pane._loading is None, 60)
    panel.filter_edit.setText("sweep:")
    col = [c.header for c in panel.columns].index("val_loss")
    panel.table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    panel.table.clearSelection()
    _save(app, panel, out / "runs-sweep.png")

    panel.filter_edit.setText("")
    panel.below.setCurrentWidget(panel.diff)
    best = (pane.summary or {}).get("best") or {}
    panel.select_keys([str(first), str(best.get("run_dir"))])
    _save(app, panel, out / "runs-table.png")
    panel.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    return render_runs(app, out)


if __name__ == "__main__":
    raise SystemExit(main())
