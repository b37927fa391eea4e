"""The main window as a user meets it: start-up, tabs, menus, status bar, settings, closing."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMessageBox

from workbench.gui.main_window import TAB_TITLES, MainWindow
from workbench.gui.menus import about_text
from workbench.gui.settings import app_settings


@pytest.fixture
def started(qtbot):
    """A shown window with its deferred start-up (plots, training panel, devices) done."""
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_project("example:seed-lstm")
    with qtbot.waitSignal(window.startup_finished, timeout=60000):
        window.show()
    qtbot.waitUntil(lambda: not window.data_panel.is_loading(), timeout=60000)
    yield window
    if window.isVisible():
        window.document.undo_stack.setClean()
        window.close()


def test_opens_with_the_example_ready_to_train(started):
    window = started
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == list(TAB_TITLES)
    assert window.document.spec.name == "seed-lstm"
    assert window.document.problems() == []
    assert "seed-lstm" in window.status_project.text()
    assert window.status_device.text().startswith("Device: ")
    assert "…" not in window.status_device.text()
    assert window.status_threads.text().split(": ")[1].isdigit()
    assert window.status_problems.text() == "✓ ready to train"
    assert window.data_panel.preview.plot is not None
    assert window.document.data_summary is not None  # the example's data was loaded
    # The Run menu holds the training panel's actions (when that panel is in this build)
    if window.training_panel is not None:
        texts = [a.text() for a in window.run_menu.actions()]
        assert "Train" in texts and "Stop" in texts
        assert window.training_panel.train_action.isEnabled()
        # an invalid setting disables Train, with the spec's reason in the tooltip
        window.document.set_value("model.layers[0].dropout", 0.5)
        action = window.training_panel.train_action
        assert not action.isEnabled()
        assert "model.layers[0].dropout" in action.toolTip()
        assert window.status_problems.text() == "⚠ 1 problem"
        window.document.undo_stack.undo()
        assert action.isEnabled()
    # Help ▸ About names the versions and the device
    text = about_text(window)
    assert "Python" in text and "Qt" in text and "torch" in text
    assert sys.modules["torch"].__version__ in text
    assert window.device_text in text


def test_close_remembers_geometry_and_leaves_nothing_running(qtbot, started):
    window = started
    window.document.set_value("train.epochs", 2)
    answers = []

    def answer(*args, **kwargs):
        answers.append(args[1])
        return QMessageBox.StandardButton.Discard

    qtbot_patch = pytest.MonkeyPatch()
    qtbot_patch.setattr(QMessageBox, "question", answer)
    try:
        assert window.close()
    finally:
        qtbot_patch.undo()
    assert answers == ["Unsaved changes"]
    geometry = app_settings().value("geometry")
    assert isinstance(geometry, QByteArray) and not geometry.isEmpty()
    from workbench.gui.worker import active_workers

    assert active_workers() == []


def test_a_view_that_fails_to_build_does_not_stop_start_up(qtbot, monkeypatch, capsys):
    import workbench.gui.panels.training as training

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug in the training view")

    monkeypatch.setattr(training, "TrainingPanel", broken)
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_project("example:seed-lstm")
    with qtbot.waitSignal(window.startup_finished, timeout=60000):
        window.show()
    qtbot.waitUntil(lambda: not window.data_panel.is_loading(), timeout=60000)
    assert window.training_panel is None
    assert "simulated bug" in " ".join(window.startup_errors)
    assert "failed to load" in window._training_placeholder.text()
    assert "simulated bug" in capsys.readouterr().err
    assert window.model_panel.isEnabled()  # the rest works
    window.close()
