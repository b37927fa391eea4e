"""Every shipped example opens in the app, its data loads, and nothing needs changing."""

from __future__ import annotations

import pytest

from workbench.core.spec.project_file import list_examples
from workbench.gui.main_window import MainWindow


@pytest.mark.slow
def test_every_example_opens_loads_and_is_ready_to_train(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.data_panel.start_loading()
    names = [example.name for example in list_examples()]
    assert "seed-lstm" in names
    try:
        for name in names:
            assert window.open_project(f"example:{name}"), name
            qtbot.waitUntil(
                lambda: (
                    not window.data_panel.is_loading()
                    and not window.data_panel._debounce.isActive()
                ),
                timeout=120000,
            )
            doc = window.document
            assert window.data_panel.last_error == "", (name, window.data_panel.last_error)
            assert doc.data_summary is not None, name
            assert doc.problems() == [], (name, doc.problems())
            assert not doc.modified, f"{name}: the model did not match its own data"
    finally:
        window.document.undo_stack.setClean()
        window.shutdown()
