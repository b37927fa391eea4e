"""The per-epoch task metrics plot with a chooser: one metric family at a time.

Families are the names without their split prefix (``val_accuracy`` → ``accuracy``): showing
perplexity (~20) and bits per character (~4) on one axis would flatten both, so the user picks
one; train (dashed), validation (solid) and test (dotted) of that family share the plot.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.gui.plots.live_plot import LivePlot

PREFERRED = ("accuracy", "bpc", "mae", "rmse")


def family(metric: str) -> str:
    for prefix in ("train_", "val_", "test_"):
        if metric.startswith(prefix):
            return metric[len(prefix) :]
    return metric


class MetricFamilyBox(QWidget):
    """Wraps a ``LivePlot``; ``note_curve(key, metric)`` after adding a curve to it."""

    def __init__(self, plot: LivePlot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = plot
        self._family_of: dict[str, str] = {}  # curve key → family
        self.combo = QComboBox()
        self.combo.setToolTip("Which metric the plot shows (train dashed, validation solid)")
        self.combo.currentTextChanged.connect(self._apply)
        self.combo.setEnabled(False)  # until a run reports a metric
        row = QHBoxLayout()
        row.setContentsMargins(6, 0, 6, 0)
        row.addWidget(QLabel("Metric"))
        row.addWidget(self.combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(plot, 1)
        layout.addLayout(row)

    @property
    def current(self) -> str:
        return self.combo.currentText()

    def note_curve(self, key: str, metric: str) -> None:
        name = family(metric)
        self._family_of[key] = name
        if self.combo.findText(name) < 0:
            self.combo.addItem(name)
            self.combo.setEnabled(True)
            preferred = [f for f in PREFERRED if self.combo.findText(f) >= 0]
            if preferred and self.current != preferred[0]:
                self.combo.setCurrentText(preferred[0])
        self.plot.set_shown(key, name == self.current)

    def forget(self, keys) -> None:
        for key in keys:
            self._family_of.pop(key, None)
        left = set(self._family_of.values())
        for i in reversed(range(self.combo.count())):
            if self.combo.itemText(i) not in left:
                self.combo.removeItem(i)
        self.combo.setEnabled(self.combo.count() > 0)

    def _apply(self, name: str) -> None:
        for key, fam in self._family_of.items():
            if key in self.plot.curves:
                self.plot.set_shown(key, fam == name)
