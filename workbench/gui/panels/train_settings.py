"""The training settings form: optimizer, loop, clipping, schedule, early stopping, device.

Each section is a ``SpecForm`` on one part of ``spec.train``, so edits are undoable steps and
problems show next to the field. The device list needs torch; the main window fills it in
once torch has loaded (``set_devices``).
"""

from __future__ import annotations

import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core.spec.project import (
    ClipSpec,
    EarlyStoppingSpec,
    OptimizerSpec,
    ScheduleSpec,
    TrainSpec,
)
from workbench.gui.document import ProjectDocument
from workbench.gui.widgets.spec_form import SpecForm

#: Schedule fields that matter for each kind (others are hidden to keep the form short).
_SCHEDULE_FIELDS = {
    "none": (),
    "step": ("step_size", "gamma"),
    "cosine": ("min_lr",),
    "onecycle": ("max_lr",),
    "plateau": ("gamma", "patience", "min_lr"),
}


PROCESSES_TIP = (
    "Train on several processes on this machine (data parallel: DDP over gloo on the CPU, "
    "NCCL on CUDA GPUs, one process per GPU). The batch size is the global batch, split "
    "across the processes. The app starts `workbench train --nproc N` and follows it "
    "through the run folder; Pause, Step and learning-rate edits need one process."
)


class TrainSettingsPanel(QScrollArea):
    """The training part of the spec (``spec.train``), plus how many processes run it.

    The process count is a way to run the project, not part of it (like ``--nproc``), so it
    is not in the spec: ``processes_changed`` tells the training panel."""

    processes_changed = Signal(int)

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        host = QWidget()
        layout = QVBoxLayout(host)
        self.loop_form = SpecForm(
            document,
            "train",
            TrainSpec,
            ["epochs", "batch_size", "max_steps", "loss", "seed", "keep_best"],
        )
        self.optimizer_form = SpecForm(
            document, "train.optimizer", OptimizerSpec, labels={"name": "Optimizer"}
        )
        self.clip_form = SpecForm(document, "train.clip", ClipSpec)
        self.schedule_form = SpecForm(document, "train.schedule", ScheduleSpec)
        self.early_form = SpecForm(document, "train.early_stopping", EarlyStoppingSpec)
        self.device_form = SpecForm(
            document, "train", TrainSpec, ["device"], choices={"device": ["auto", "cpu"]}
        )
        # The spec keeps the device as text; offer what this machine has once torch is loaded.
        self.device_note = QLabel("Looking for devices…")
        self.device_note.setWordWrap(True)
        self.device_note.setStyleSheet("color: gray;")
        for title, form in (
            ("Loop", self.loop_form),
            ("Optimizer", self.optimizer_form),
            ("Gradient clipping", self.clip_form),
            ("Learning-rate schedule", self.schedule_form),
            ("Early stopping", self.early_form),
        ):
            layout.addWidget(_group(title, form))
        device_box = _group("Device", self.device_form)
        self.processes = _processes_box()
        self.processes.valueChanged.connect(self.processes_changed)
        row = QFormLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addRow("Processes", self.processes)
        device_box.layout().addLayout(row)
        device_box.layout().addWidget(self.device_note)
        layout.addWidget(device_box)
        layout.addStretch(1)
        self.setWidget(host)
        self.setWidgetResizable(True)
        self.setMinimumWidth(320)
        document.changed.connect(self._show_relevant_rows)
        self._show_relevant_rows()

    def set_devices(self, devices: list[str], description: str = "") -> None:
        """Offer the devices found on this machine (``available_devices()``)."""
        self.device_form.set_choices("device", devices)
        self.device_note.setText(description)

    def _show_relevant_rows(self) -> None:
        train = self._doc.spec.train
        wanted = _SCHEDULE_FIELDS.get(train.schedule.kind, ())
        for name in ("step_size", "gamma", "patience", "min_lr", "max_lr"):
            self.schedule_form.set_row_visible(name, name in wanted)
        name = train.optimizer.name
        self.optimizer_form.set_row_visible("momentum", name in ("sgd", "rmsprop"))
        self.optimizer_form.set_row_visible("nesterov", name == "sgd")
        self.clip_form.set_row_visible("max_value", train.clip.mode != "none")
        enabled = train.early_stopping.enabled
        for field in ("metric", "mode", "patience", "min_delta"):
            self.early_form.set_row_visible(field, enabled)


def _processes_box() -> QSpinBox:
    """1 (this window's own process) … the machine's cores."""
    box = QSpinBox()
    cores = os.cpu_count() or 1
    box.setRange(1, max(1, cores))
    box.setSpecialValueText("1 (in this window)")
    box.setSuffix(" processes")
    box.setToolTip(PROCESSES_TIP if cores > 1 else "This machine has one core: one process.")
    box.setEnabled(cores > 1)
    return box


def _group(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.addWidget(widget)
    return box
