"""The app's run store: runs of an unsaved project move beside it on first save; renaming the
project keeps its runs (they are keyed by the file)."""

from __future__ import annotations

import test_live_training as live

from workbench.core.run_store import read_meta
from workbench.gui.project_properties import ProjectPropertiesDialog

make_panel = live.make_panel  # the fixture: a training panel on a tiny project


def listed(panel) -> list[str]:
    return [panel.runs.topLevelItem(i).text(0) for i in range(panel.runs.topLevelItemCount())]


def test_unsaved_runs_move_beside_the_project_on_first_save(
    qtbot, make_panel, tmp_path, monkeypatch
):
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(tmp_path / "user" / "runs"))
    panel = make_panel(epochs=1, n_samples=160)
    doc = panel.document
    unsaved_root = doc.runs_root()
    assert unsaved_root.parent == tmp_path / "user" / "runs" / "unsaved"
    with qtbot.waitSignal(panel.run_finished, timeout=live.TIMEOUT_MS):
        panel.train()
    run = panel.last_run_dir
    assert run.parent == unsaved_root and read_meta(run).name == "lstm-8 lr 1e-3 #1"
    assert listed(panel) == ["lstm-8 lr 1e-3 #1"]

    doc.save(tmp_path / "demo.json")
    moved = tmp_path / "demo.runs" / run.name
    assert moved.is_dir() and not run.exists()
    assert doc.runs_root() == tmp_path / "demo.runs"
    assert listed(panel) == ["lstm-8 lr 1e-3 #1"]  # the list follows the project

    dialog = ProjectPropertiesDialog(doc)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("renamed project")
    dialog.apply()
    assert doc.spec.name == "renamed project" and doc.modified
    panel.reload_runs()
    assert listed(panel) == ["lstm-8 lr 1e-3 #1"]  # keyed by the file, not the name
    doc.undo_stack.undo()
    assert doc.spec.name == live.tiny_spec()[0].name
