"""The Sweep editor: which settings vary and how, what to optimize and how to search.

The settings are the spec's own fields (``core.sweep.fields``: the paths the forms use); each
row gives a range (low, high, step or log scale) or a list of choices. The result is the
project's sweep file (``PROJECT.sweep.json``, ``core.sweep.definition``'s format), checked
against the project before it is written: problems show under the table, not in a dialog.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import SpecError, WorkbenchError
from workbench.core.spec.project import ProjectSpec
from workbench.core.spec.project_file import atomic_write_bytes
from workbench.core.sweep.definition import (
    DIRECTIONS,
    SAMPLERS,
    SweepSpec,
    check_against,
    sweep_from_dict,
)
from workbench.core.sweep.fields import SweepField, sweepable_fields
from workbench.gui.plain_text import plain_label

OBJECTIVES = ("val_loss", "val_accuracy", "val_mae", "train_loss")
COLUMNS = ("Setting", "Values", "Low", "High", "Step", "Log", "Choices")
RANGE, CHOICES = "range", "choices"
DEFAULT_PARAMS = ("model.layers[0].hidden_size", "train.optimizer.lr")


class ParamRow:
    """The widgets of one varied setting (one table row)."""

    def __init__(self, fields: dict[str, SweepField]) -> None:
        self.fields = fields
        self.path = QComboBox()
        self.path.addItems(list(fields))
        self.path.setEditable(False)
        self.mode = QComboBox()
        self.mode.addItems([RANGE, CHOICES])
        self.low, self.high, self.step = QLineEdit(), QLineEdit(), QLineEdit()
        self.step.setPlaceholderText("any")
        self.log = QCheckBox()
        self.choices = QLineEdit()
        self.choices.setPlaceholderText("comma-separated values")
        self.path.currentTextChanged.connect(self.fill_defaults)
        self.mode.currentTextChanged.connect(self._enable)

    def widgets(self) -> list[QWidget]:
        return [self.path, self.mode, self.low, self.high, self.step, self.log, self.choices]

    def fill_defaults(self, path: str) -> None:
        """Sensible values for a newly picked setting, from its current value and kind."""
        self.set_param(default_rule(self.fields[path]))

    def set_param(self, rule: dict[str, Any]) -> None:
        if "choices" in rule:
            self.mode.setCurrentText(CHOICES)
            self.choices.setText(", ".join(_show(c) for c in rule["choices"]))
        else:
            self.mode.setCurrentText(RANGE)
            self.low.setText(_show(rule.get("low", "")))
            self.high.setText(_show(rule.get("high", "")))
            self.step.setText("" if rule.get("step") is None else _show(rule["step"]))
            self.log.setChecked(bool(rule.get("log")))
            self.choices.setText("")
        self._enable()

    def rule(self, problems: list[str]) -> dict[str, Any]:
        """The row as the sweep file writes it (problems with the typed text are appended)."""
        path = self.path.currentText()
        field = self.fields[path]
        if self.mode.currentText() == CHOICES:
            return {"choices": [_parse(t) for t in self.choices.text().split(",") if t.strip()]}
        integer = field.kind == "int"
        rule: dict[str, Any] = {}
        for key, edit in (("low", self.low), ("high", self.high), ("step", self.step)):
            text = edit.text().strip()
            if not text:
                if key != "step":
                    problems.append(f"{path}: give a {key} value")
                continue
            try:
                number = float(text)
            except ValueError:
                problems.append(f"{path}: {key} {text!r} is not a number")
                continue
            rule[key] = int(number) if integer and number.is_integer() else number
        if self.log.isChecked():
            rule["log"] = True
        if not integer:
            rule["type"] = "float"
        return rule

    def _enable(self, *_args) -> None:
        ranged = self.mode.currentText() == RANGE
        for widget in (self.low, self.high, self.step, self.log):
            widget.setEnabled(ranged)
        self.choices.setEnabled(not ranged)


class SweepEditor(QDialog):
    """Edit a sweep of ``spec`` and save it to ``path`` (``PROJECT.sweep.json``)."""

    def __init__(
        self,
        spec: ProjectSpec,
        path: str | os.PathLike,
        sweep: SweepSpec | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweep")
        self.spec, self.path = spec, Path(path)
        self.fields = {f.path: f for f in sweepable_fields(spec)}
        self.rows: list[ParamRow] = []
        self.saved: SweepSpec | None = None
        self._build()
        self.set_sweep(sweep or default_sweep(spec, self.fields))

    def _build(self) -> None:
        self.name = QLineEdit()
        self.objective = QComboBox()
        self.objective.setEditable(True)
        self.objective.addItems(list(OBJECTIVES))
        self.direction = QComboBox()
        self.direction.addItems(list(DIRECTIONS))
        self.sampler = QComboBox()
        self.sampler.addItems(list(SAMPLERS))
        self.sampler.setToolTip("grid: every combination; random; tpe: Optuna's Bayesian search")
        self.trials = _spin(1, 10_000)
        self.jobs = _spin(1, max(1, os.cpu_count() or 1) * 4)
        self.jobs.setToolTip("Trials run at once, each in its own worker process")
        self.seed = _spin(0, 2**31 - 1)
        self.prune = QCheckBox("median: stop a trial that is worse than the median at an epoch")
        self.startup = _spin(0, 1000)
        self.warmup = _spin(0, 1000)
        self.prune.toggled.connect(self.startup.setEnabled)
        self.prune.toggled.connect(self.warmup.setEnabled)

        search = QFormLayout()
        search.addRow("Name", self.name)
        objective = QHBoxLayout()
        objective.addWidget(self.objective, 1)
        objective.addWidget(self.direction)
        search.addRow("Objective", objective)
        sampler = QHBoxLayout()
        for label, widget in (("", self.sampler), ("trials", self.trials), ("jobs", self.jobs)):
            if label:
                sampler.addWidget(QLabel(label))
            sampler.addWidget(widget)
        sampler.addWidget(QLabel("seed"))
        sampler.addWidget(self.seed)
        sampler.addStretch(1)
        search.addRow("Sampler", sampler)
        pruning = QHBoxLayout()
        pruning.addWidget(self.prune)
        pruning.addWidget(QLabel("once"))
        pruning.addWidget(self.startup)
        pruning.addWidget(QLabel("trials finished, from epoch"))
        pruning.addWidget(self.warmup)
        pruning.addStretch(1)
        search.addRow("Pruning", pruning)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        add = QPushButton("Add setting")
        add.clicked.connect(lambda: self.add_row())
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_selected)
        row_buttons = QHBoxLayout()
        row_buttons.addWidget(add)
        row_buttons.addWidget(remove)
        row_buttons.addStretch(1)
        self.problems = plain_label(QLabel(""))  # quotes the typed values
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(search)
        layout.addWidget(QLabel("Settings to vary (the paths the forms edit):"))
        layout.addWidget(self.table, 1)
        layout.addLayout(row_buttons)
        layout.addWidget(self.problems)
        layout.addWidget(plain_label(QLabel(f"Saved as {self.path.name}, beside the project.")))
        layout.addWidget(buttons)
        self.resize(900, 520)

    # ---- contents -------------------------------------------------------------------------
    def add_row(self, path: str | None = None, rule: dict[str, Any] | None = None) -> ParamRow:
        row = ParamRow(self.fields)
        used = {r.path.currentText() for r in self.rows}
        path = path or next((p for p in self.fields if p not in used), next(iter(self.fields)))
        if path not in self.fields:  # a setting the project does not have (another layout)
            row.path.addItem(path)
            row.fields = {**self.fields, path: SweepField(path, None, "float")}
        row.path.setCurrentText(path)
        row.fill_defaults(path)
        if rule is not None:
            row.set_param(rule)
        index = self.table.rowCount()
        self.table.insertRow(index)
        for column, widget in enumerate(row.widgets()):
            self.table.setCellWidget(index, column, widget)
        self.rows.append(row)
        return row

    def remove_selected(self) -> None:
        for index in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(index)
            del self.rows[index]

    def set_sweep(self, sweep: SweepSpec) -> None:
        self.name.setText(sweep.name)
        self.objective.setCurrentText(sweep.objective)
        self.direction.setCurrentText(sweep.direction)
        self.sampler.setCurrentText(sweep.sampler)
        self.trials.setValue(sweep.trials)
        self.jobs.setValue(sweep.jobs)
        self.seed.setValue(sweep.seed)
        self.prune.setChecked(sweep.pruner == "median")
        self.startup.setValue(sweep.startup_trials)
        self.warmup.setValue(sweep.warmup_epochs)
        self.table.setRowCount(0)
        self.rows = []
        for path, rule in sweep.to_dict()["params"].items():
            self.add_row(path, rule)

    def to_dict(self, problems: list[str] | None = None) -> dict[str, Any]:
        """The sweep as its file holds it."""
        problems = [] if problems is None else problems
        params: dict[str, Any] = {}
        for row in self.rows:
            path = row.path.currentText()
            if path in params:
                problems.append(f"{path}: listed twice")
            params[path] = row.rule(problems)
        return {
            "name": self.name.text().strip(),
            "objective": self.objective.currentText().strip(),
            "direction": self.direction.currentText(),
            "sampler": self.sampler.currentText(),
            "trials": self.trials.value(),
            "jobs": self.jobs.value(),
            "seed": self.seed.value(),
            "pruner": {
                "kind": "median" if self.prune.isChecked() else "none",
                "startup_trials": self.startup.value(),
                "warmup_epochs": self.warmup.value(),
            },
            "params": params,
        }

    def sweep(self) -> SweepSpec:
        """The sweep, checked against the project; raises ``SpecError`` listing every problem."""
        problems: list[str] = []
        data = self.to_dict(problems)
        if problems:
            raise SpecError(problems, "sweep")
        sweep = sweep_from_dict(data, "sweep")
        check_against(sweep, self.spec, "sweep")
        if sweep.sampler == "grid":
            sweep.grid_size()  # a real range without a step cannot be a grid
        return sweep

    def save(self) -> bool:
        """Check and write the sweep file; on problems, show them and stay open."""
        try:
            sweep = self.sweep()
            text = json.dumps(sweep.to_dict(), indent=2) + "\n"
            atomic_write_bytes(self.path, text.encode("utf-8"))
        except SpecError as exc:
            self.problems.setText("\n".join(str(p) for p in exc.problems))
            return False
        except (WorkbenchError, OSError) as exc:
            self.problems.setText(str(getattr(exc, "message", exc)))
            return False
        self.problems.setText("")
        self.saved = sweep
        self.accept()
        return True


def default_rule(field: SweepField) -> dict[str, Any]:
    """A first range for a setting: its choices, or around its current value."""
    if field.kind in ("choice", "bool"):
        return {"choices": list(field.choices)}
    value = field.value if isinstance(field.value, int | float) else 1
    if field.kind == "int":
        return {"low": max(1, int(value) // 2), "high": max(2, int(value) * 2)}
    if value > 0:
        return {"low": value / 10, "high": value * 10, "log": True, "type": "float"}
    return {"low": 0.0, "high": 0.5, "type": "float"}


def default_sweep(spec: ProjectSpec, fields: dict[str, SweepField]) -> SweepSpec:
    """A first sweep to start from: the first layer's size and the learning rate."""
    params = {p: default_rule(fields[p]) for p in DEFAULT_PARAMS if p in fields}
    return sweep_from_dict({"name": "sweep", "sampler": "tpe", "trials": 8, "params": params})


def _spin(low: int, high: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    return spin


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _parse(text: str) -> Any:
    """``32`` → 32, ``1e-3`` → 0.001, ``true`` → True, ``lstm`` → "lstm"."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text
