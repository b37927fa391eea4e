"""The Runs tab of the main window and what its actions do elsewhere: open a run's settings as
the project, resume a stopped run on the Training tab, load a run into the Inspect tab."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from workbench.core.errors import WorkbenchError
from workbench.gui.plain_text import inform, warn


def install_runs_tab(window: Any) -> Any:
    """Build the Runs tab once; returns its panel."""
    from workbench.gui.main_window import TAB_TITLES
    from workbench.gui.panels.runs import RunsPanel

    if getattr(window, "runs_panel", None) is not None:
        return window.runs_panel
    panel = RunsPanel(window.document)
    window.runs_panel = panel
    index = window.tabs.addTab(panel, TAB_TITLES[4])
    for menu_action in window.menuBar().actions():
        if menu_action.text() == "&View" and menu_action.menu() is not None:
            view = menu_action.menu().addAction(TAB_TITLES[4].strip())
            view.setShortcut("Ctrl+5")
            view.triggered.connect(lambda _c=False: window.tabs.setCurrentIndex(index))
    app = QApplication.instance()
    if app is not None:  # a sweep still running when the app quits is stopped, not orphaned
        app.aboutToQuit.connect(panel.sweep.shutdown)
    panel.open_settings_requested.connect(lambda key: open_run_settings(window, key))
    panel.resume_requested.connect(lambda key: resume_run(window, key))
    panel.inspect_requested.connect(lambda key: inspect_run(window, key))
    training = getattr(window, "training_panel", None)
    if training is not None:
        training.run_finished.connect(lambda _status: panel.reload())
    return panel


def open_run_settings(window: Any, run_dir: str) -> bool:
    """The run's settings become the project's (one undoable step; the file stays the same)."""
    from workbench.core.run_store import read_meta
    from workbench.core.runs import RunDir

    if window.document.read_only:
        inform(window, "Runs", "Stop the training run first.")
        return False
    try:
        spec = RunDir.open(run_dir).read_project()
    except WorkbenchError as exc:
        warn(window, "Runs", f"{exc.message}\n\n{exc.hint}".strip())
        return False
    spec.name = window.document.spec.name  # the project keeps its name
    spec.data.normalization_stats = window.document.spec.data.normalization_stats
    window.document.set_spec(spec, f"Settings of run {read_meta(run_dir).name}")
    window.tabs.setCurrentIndex(1)
    return True


def resume_run(window: Any, run_dir: str) -> bool:
    panel = getattr(window, "training_panel", None)
    if panel is None or not panel.continue_run(run_dir):
        inform(window, "Runs", "Training is busy: stop the current run first.")
        return False
    window.tabs.setCurrentIndex(2)
    return True


def inspect_run(window: Any, run_dir: str) -> Any:
    from workbench.gui.panels.inspect_load import load_run_into

    panel = getattr(window, "inspect_panel", None)
    if panel is None:
        return None
    window.tabs.setCurrentWidget(panel)
    return load_run_into(panel, run_dir)
