"""Render the Runs tab after a small real sweep: ``python -m workbench.tools.runs_screenshots OUT``.

Writes ``runs-table.png`` (two runs selected: their settings diff below the table) and
``runs-sweep.png`` (the table filtered to the sweep's trials, sorted by validation loss).
Everything happens in a temporary folder: a tiny seed-classification project, a baseline run
and a 2 × 2 grid sweep over layer type and hidden size (pruned trials show as such).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

PROJECT = {
    "name": "seed-demo",
    "data": {"source": "builtin:seed", "builtin": {"n_samples": 320}},
    "model": {"layers": [{"type": "lstm", "hidden_size": 16}]},
    "train": {"batch_size": 16, "epochs": 3, "device": "cpu"},
}
SWEEP = {
    "name": "type-and-size",
    "sampler": "grid",
    "objective": "val_loss",
    "pruner": {"kind": "median", "startup_trials": 2, "warmup_epochs": 1},
    "params": {
        "model.layers[0].type": {"choices": ["lstm", "gru"]},
        "model.layers[0].hidden_size": {"choices": [8, 32]},
    },
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from workbench.cli import main as cli

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="wb-runs-shots-") as tmp:
        os.environ["WORKBENCH_RUNS_DIR"] = str(Path(tmp) / "user-runs")
        project = Path(tmp) / "seed-demo.json"
        project.write_text(json.dumps(PROJECT))
        (Path(tmp) / "seed-demo.sweep.json").write_text(json.dumps(SWEEP))
        if cli(["train", str(project), "--json"]) or cli(["sweep", str(project), "--json"]):
            return 1
        from workbench.core import run_store
        from workbench.gui.document import ProjectDocument
        from workbench.gui.panels.runs import RunsPanel

        doc = ProjectDocument()
        doc.open(project)
        first = run_store.find_run("1", doc.runs_root())
        run_store.update_meta(first, name="baseline", notes="LSTM(16), 3 epochs", starred=True)
        panel = RunsPanel(doc)
        panel.resize(1280, 520)
        panel.show()
        panel.reload()
        panel.select_keys(
            [r.key for r in panel.runs if r.name in ("baseline",)] + [panel.runs[0].key]
        )
        app.processEvents()
        panel.grab().save(str(out / "runs-table.png"))
        panel.filter_edit.setText("sweep:")
        col = [c.header for c in panel.columns].index("val_loss")
        panel.table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
        panel.table.clearSelection()
        app.processEvents()
        panel.grab().save(str(out / "runs-sweep.png"))
        panel.close()
    print(f"wrote {out / 'runs-table.png'} and {out / 'runs-sweep.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
