"""The main window: Data → Model → Training → Inspect tabs around one ``ProjectDocument``.

Start-up is split in two so the window appears fast: ``__init__`` builds only torch-free and
pyqtgraph-free widgets; ``finish_startup`` (called right after the first show) imports the heavy
parts — the preview plot, the training panel, torch's device list — while the user is already
looking at the window.
"""

from __future__ import annotations

import sys
import traceback
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import WorkbenchError
from workbench.gui import menus
from workbench.gui.document import ProjectDocument
from workbench.gui.panels.data import DataPanel
from workbench.gui.plain_text import as_plain
from workbench.gui.projects import APP_NAME, ProjectActions
from workbench.gui.settings import app_settings

if TYPE_CHECKING:  # built after the first paint; imported then
    from workbench.gui.panels.model import ModelPanel
    from workbench.gui.panels.train_settings import TrainSettingsPanel

TAB_TITLES = ("1  Data", "2  Model", "3  Training", "4  Inspect", "5  Runs")


class MainWindow(ProjectActions, QMainWindow):
    first_exposed = Signal()
    startup_finished = Signal()

    def __init__(self, document: ProjectDocument | None = None) -> None:
        super().__init__()
        self.document = document or ProjectDocument(parent=self)
        self.training_panel = None
        self.inspect_panel = None
        self._startup_done = False
        self._parts_ready = False
        self._devices_ready = False
        self._device_job = None
        self.startup_errors: list[str] = []
        self._views: list = []
        self._closing = False
        self._exposed = False
        self.device_text = "CPU"
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.resize(*default_size(self))

        self.data_panel = DataPanel(self.document, deferred=True)
        # The Model and Training tabs are built on first use or right after the first paint
        # (whichever comes first): the Data tab is what the window opens on.
        self._model_panel: ModelPanel | None = None
        self._train_settings: TrainSettingsPanel | None = None
        self.model_host = _host("Loading the model editor…")
        self.settings_host = _host("Loading the training settings…")
        self.training_host = QSplitter(Qt.Orientation.Horizontal)
        self.training_host.addWidget(self.settings_host)
        self._training_placeholder = QLabel("Loading the training view…")
        self._training_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.training_host.addWidget(self._training_placeholder)
        self.training_host.setStretchFactor(1, 1)
        self.inspect_host = QLabel("Inspection appears here after a training run.")
        self.inspect_host.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for widget, title in zip(
            (self.data_panel, self.model_host, self.training_host, self.inspect_host), TAB_TITLES
        ):
            self.tabs.addTab(widget, title)
        from workbench.gui.help import FirstRunHint

        self.first_run_hint = FirstRunHint()
        self.read_only_banner = QLabel(
            "The project is read-only while a run trains (the run uses it): "
            "Stop (Shift+F5) to edit it; undo is off until then."
        )
        self.read_only_banner.setObjectName("read_only_banner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setStyleSheet(
            "background: #fff8e1; border: 1px solid #ffe082; padding: 3px;"
        )
        self.read_only_banner.hide()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.first_run_hint)
        column.addWidget(self.read_only_banner)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        menus.build(self)
        self.document.read_only_changed.connect(self.read_only_banner.setVisible)
        self.document.changed.connect(self._on_changed)
        self.document.modified_changed.connect(lambda _m: self._update_title())
        self.document.spec_replaced.connect(self._update_title)
        self.data_panel.loading_changed.connect(self._on_loading)
        self.tabs.currentChanged.connect(self._build_tab)
        self._restore_geometry()
        self._on_changed()

    # ---- panels built on demand -----------------------------------------------------------
    @property
    def model_panel(self) -> ModelPanel:
        if self._model_panel is None:
            from workbench.gui.panels.model import ModelPanel

            self._model_panel = ModelPanel(self.document)
            _fill(self.model_host, self._model_panel)
        return self._model_panel

    @property
    def train_settings(self) -> TrainSettingsPanel:
        if self._train_settings is None:
            from workbench.gui.panels.train_settings import TrainSettingsPanel

            self._train_settings = TrainSettingsPanel(self.document)
            if self.training_panel is not None and hasattr(
                self.training_panel, "set_settings_widget"
            ):
                self.training_panel.set_settings_widget(self._train_settings)
            else:
                _fill(self.settings_host, self._train_settings)
        return self._train_settings

    def _build_tab(self, index: int) -> None:
        if index == 1:
            self.model_panel  # noqa: B018 - builds it
        elif index == 2:
            self.train_settings  # noqa: B018 - builds it

    # ---- start-up -------------------------------------------------------------------------
    def event(self, event) -> bool:  # noqa: D401 - Qt override
        result = super().event(event)
        # (events arrive while __init__ is still running: read the flag defensively)
        if event.type() == event.Type.Paint and not getattr(self, "_exposed", True):
            self._exposed = True
            self.first_exposed.emit()
            # The heavy imports start once the window is on screen.
            QTimer.singleShot(0, self._finish_startup_async)
        return result

    def finish_startup(self) -> None:
        """Build everything left for after the first paint, now (tests and tools call this)."""
        self._begin_startup()
        while self._build_next_view():
            pass

    def _finish_startup_async(self) -> None:
        """After the first paint: import pyqtgraph and the views on a background thread (the
        window keeps handling events), then build one view per event-loop turn."""
        from workbench.gui.worker import run_in_thread

        if self._begin_startup():
            run_in_thread(
                _prefetch_view_modules,
                on_done=lambda _result: self._build_views_stepwise(),
                on_error=lambda _info: self._build_views_stepwise(),  # the build says why
                name="workbench-view-imports",
                parent=self,
            )

    def _begin_startup(self) -> bool:
        """Start the device probe and the data load, build the light tabs; False if done."""
        if self._startup_done:
            return False
        self._startup_done = True
        from workbench.gui.worker import run_in_thread

        self._device_job = run_in_thread(
            probe_devices,
            on_done=self._show_devices,
            on_error=lambda info: self._show_devices(None),
            name="workbench-device-probe",
            parent=self,
        )
        self.model_panel  # noqa: B018 - builds the tabs left for after the first paint
        self.train_settings  # noqa: B018
        self.data_panel.start_loading()
        self._views = [
            ("preview plot", self.data_panel.preview.ensure_plot),
            ("training view", self._add_training_panel),
            ("inspect view", self._add_inspect_panel),
            ("runs view", self._add_runs_panel),
        ]
        return True

    def _build_views_stepwise(self) -> None:
        if not self._closing and self._build_next_view():
            QTimer.singleShot(0, self._build_views_stepwise)

    def _build_next_view(self) -> bool:
        """Build one view; False once all are built. A view that fails to build is reported
        and the others still load."""
        if not self._views:
            return False
        name, build = self._views.pop(0)
        try:
            build()
        except Exception:  # a bug in that part: report it, keep the window usable
            details = traceback.format_exc()
            sys.stderr.write(f"workbench: the {name} failed to load:\n{details}")
            self.startup_errors.append(f"{name}: {details.strip().splitlines()[-1]}")
        if self._views:
            return True
        if self.training_panel is None and "training view" in " ".join(self.startup_errors):
            self._training_placeholder.setText(
                "The training view failed to load (details on stderr)."
            )
        if self.startup_errors:
            self.statusBar().showMessage(
                "Some views failed to load: " + "; ".join(self.startup_errors)
            )
        self._parts_ready = True
        self._maybe_finished()
        return False

    def _maybe_finished(self) -> None:
        if self._parts_ready and self._devices_ready:
            self.startup_finished.emit()

    def _add_training_panel(self) -> None:
        if self.training_panel is not None:
            return
        try:
            from workbench.gui.panels.training import TrainingPanel
        except ImportError:  # the live-training view is not part of this build
            self._training_placeholder.setText("Live training is not available in this build.")
            return
        panel = TrainingPanel(self.document)
        panel.setObjectName("training_panel")
        self.training_panel = panel
        self._training_placeholder.setParent(None)
        self._training_placeholder.deleteLater()
        if hasattr(panel, "set_settings_widget"):
            # The settings sit in the panel's left column, above its list of runs.
            panel.set_settings_widget(self.train_settings)
            self.settings_host.hide()
        self.training_host.addWidget(panel)
        panel.run_state_changed.connect(self._on_run_state)
        panel.run_started.connect(self._on_run_started)
        menus.add_run_actions(self, panel)
        self._on_changed()

    def _add_inspect_panel(self) -> None:
        try:
            from workbench.gui.panels.inspect import InspectPanel
        except ImportError:
            return
        panel = InspectPanel(self.document)
        self.inspect_panel = panel
        index = self.tabs.indexOf(self.inspect_host)
        self.tabs.removeTab(index)
        self.inspect_host.deleteLater()
        self.inspect_host = panel
        self.tabs.insertTab(index, panel, TAB_TITLES[3])
        if self.training_panel is not None:
            # Its runs probe by the panel's settings; snapshots and run states come back to it.
            panel.bind_training(self.training_panel)

    def _add_runs_panel(self) -> None:
        from workbench.gui.runs_tab import install_runs_tab

        install_runs_tab(self)

    def _show_devices(self, found: dict | None) -> None:
        found = found or {"devices": ["auto", "cpu"], "auto": "CPU", "threads": "?"}
        self.device_text = found["auto"]
        self.train_settings.set_devices(found["devices"], f"auto = {self.device_text}")
        self.status_device.setText(f"Device: {self.device_text}")
        self.status_threads.setText(f"torch threads: {found['threads']}")
        self._devices_ready = True
        self._maybe_finished()

    # ---- status -------------------------------------------------------------------------------
    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_NAME}")
        self.setWindowModified(self.document.modified)
        mark = " •" if self.document.modified else ""
        self.status_project.setText(f"Project: {self.document.display_name}{mark}")

    def _on_changed(self) -> None:
        self._update_title()
        problems = self.document.problems()
        reason = str(problems[0]) if problems else None
        if reason and len(problems) > 1:
            reason += f" (and {len(problems) - 1} more)"
        if self.training_panel is not None:
            self.training_panel.set_train_blocked(reason)
        self.status_problems.setText(
            f"⚠ {len(problems)} problem{'s' if len(problems) != 1 else ''}"
            if problems
            else "✓ ready to train"
        )
        self.status_problems.setToolTip(
            as_plain("\n".join(problems)) or "The project can be trained"
        )
        self.status_problems.setStyleSheet("color: #c62828;" if problems else "color: #2e7d32;")

    def _on_run_state(self, state: str) -> None:
        self.status_run.setText(f"Run: {state}")

    def _on_run_started(self) -> None:
        """Train pressed on another tab: show what it does (View menu turns this off)."""
        if self.follow_training_action.isChecked() and self.tabs.currentIndex() != 2:
            self.tabs.setCurrentIndex(2)

    def _on_loading(self, busy: bool) -> None:
        if busy:
            self.statusBar().showMessage("Loading data…")
        else:
            self.statusBar().clearMessage()

    # ---- closing --------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.training_panel is not None and not self.training_panel.request_close():
            event.ignore()
            return
        if not self.maybe_save():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop background work and remember the window (also used by tests and tools)."""
        self._closing = True
        if self.training_panel is not None:
            self.training_panel.shutdown()
        if self.inspect_panel is not None and hasattr(self.inspect_panel, "shutdown"):
            self.inspect_panel.shutdown()
        self.data_panel.shutdown()
        from workbench.gui.worker import join_all

        join_all(5.0)
        self.statusBar().clearMessage()  # stops the message's timeout timer
        settings = app_settings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("state", self.saveState())

    def _restore_geometry(self) -> None:
        settings = app_settings()
        geometry = settings.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = settings.value("state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)


def default_size(window: QWidget, area: QRect | None = None) -> tuple[int, int]:
    """1280×820, or less on a smaller screen: on a 1366×768 laptop the whole window, status
    bar included, stays on screen (the panels scroll)."""
    if area is None:
        screen = window.screen()
        if screen is None:
            return 1280, 820
        area = screen.availableGeometry()
    return min(1280, area.width() - 40), min(820, area.height() - 60)


def _host(text: str) -> QWidget:
    """A tab's place-holder until its panel is built."""
    host = QWidget()
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(label)
    return host


def _fill(host: QWidget, panel: QWidget) -> None:
    layout = host.layout()
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
    layout.addWidget(panel)


def _prefetch_view_modules() -> None:
    """Runs on a background thread: the imports behind the plots and the live views."""
    import contextlib
    import importlib

    for name in ("pyqtgraph", "workbench.gui.panels.training", "workbench.gui.panels.inspect"):
        with contextlib.suppress(Exception):  # building that view reports what went wrong
            importlib.import_module(name)


def probe_devices() -> dict:
    """Runs on a background thread: importing torch takes seconds."""
    import torch

    from workbench.core.device import available_devices, describe_device, resolve_device

    try:
        auto = describe_device(resolve_device("auto"))
    except WorkbenchError:
        auto = "CPU"
    return {"devices": available_devices(), "auto": auto, "threads": torch.get_num_threads()}
