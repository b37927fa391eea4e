"""The Inspect panel's left column: the probe (what to record) and the view (what to show)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core.inspection.events import ProbeOptions

SPLITS = (("validation", "val"), ("training", "train"), ("test", "test"))
#: (key, label) of what a layer shows, per block kind; gates in PyTorch's order.
QUANTITIES = {
    "lstm": (
        ("hidden", "hidden state hₜ"),
        ("cell_state", "cell state cₜ"),
        ("input", "input gate iₜ"),
        ("forget", "forget gate fₜ"),
        ("cell", "cell candidate gₜ"),
        ("output", "output gate oₜ"),
    ),
    "gru": (
        ("hidden", "hidden state hₜ"),
        ("reset", "reset gate rₜ"),
        ("update", "update gate zₜ"),
        ("new", "new gate nₜ"),
    ),
    "rnn": (("hidden", "hidden state hₜ"), ("preactivation", "pre-activation")),
}


#: Refresh choices: (label, share of training time the probe may use, most snapshots per second).
REFRESH = (
    ("light (~2% of time)", 0.02, 5.0),
    ("a few per second (≤6%)", 0.06, 5.0),
    ("fastest (≤15%)", 0.15, 10.0),
)


class InspectControls(QWidget):
    """Emits ``probe_changed`` when the probe settings change, ``view_changed`` for the view."""

    probe_changed = Signal()
    view_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox("Inspect while training")
        self.enabled.setChecked(True)
        self.enabled.setToolTip(
            "Record hidden states, gates and gradients of the probe (cost: see Refresh)"
        )
        self.count = QSpinBox()
        self.count.setRange(1, 16)
        self.count.setValue(4)
        self.count.setSuffix(" sequences")
        self.split = QComboBox()
        for label, key in SPLITS:
            self.split.addItem(label, key)
        self.refresh = QComboBox()
        self.refresh.setObjectName("inspect_refresh")
        for label, budget, rate in REFRESH:
            self.refresh.addItem(label, (budget, rate))
        self.refresh.setToolTip(
            "How often the views update while training, against the training time it costs: "
            "a snapshot is taken only while the probe stays within that share of the time"
        )
        probe = QGroupBox("Probe")
        form = QFormLayout(probe)
        form.addRow(self.enabled)
        form.addRow("Probe", self.count)
        form.addRow("From", self.split)
        form.addRow("Refresh", self.refresh)
        hint = QLabel("The first sequences of the split; changes apply to the next run.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666;")
        form.addRow(hint)
        for signal in (
            self.enabled.toggled,
            self.count.valueChanged,
            self.split.currentIndexChanged,
            self.refresh.currentIndexChanged,
        ):
            signal.connect(self.probe_changed)

        self.layer = QComboBox()
        self.layer.setToolTip("Recurrent block · stacked layer · direction (→ forward, ← reverse)")
        self.quantity = QComboBox()
        self.sequence = QSpinBox()
        self.sequence.setRange(1, 1)
        self.sequence.setSuffix(" of 1")
        self.sequence.setToolTip("Which probe sequence the heatmap, text and trajectory show")
        self.unit = QSpinBox()
        self.unit.setRange(0, 0)
        self.unit.setPrefix("unit ")
        self.unit.setToolTip("The unit whose activation colours the text (or click a heatmap row)")
        self.unit_label = QLabel("Text colour")
        view = self.view_box = QGroupBox("Show")
        view.setEnabled(False)  # until the first snapshot arrives
        vform = QFormLayout(view)
        vform.addRow("Layer", self.layer)
        vform.addRow("Values", self.quantity)
        vform.addRow("Sequence", self.sequence)
        vform.addRow(self.unit_label, self.unit)
        self.set_text_probe(False)
        for signal in (
            self.layer.currentIndexChanged,
            self.quantity.currentIndexChanged,
            self.sequence.valueChanged,
            self.unit.valueChanged,
        ):
            signal.connect(self.view_changed)
        self.layer.currentIndexChanged.connect(self._fill_quantities)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(probe)
        layout.addWidget(view)
        layout.addStretch(1)
        self._kinds: list[str] = []

    def options(self) -> ProbeOptions:
        budget, rate = self.refresh.currentData()
        return ProbeOptions(
            enabled=self.enabled.isChecked(),
            n=self.count.value(),
            split=self.split.currentData(),
            max_per_s=rate,
            budget=budget,
        )

    def set_text_probe(self, text: bool) -> None:
        self.unit.setVisible(text)
        self.unit_label.setVisible(text)

    def set_layers(self, names: list[str], kinds: list[str], n_sequences: int, units: int) -> None:
        """Fill the selectors for a snapshot's layers, keeping the current choices when possible."""
        self.blockSignals(True)
        try:
            if [self.layer.itemText(i) for i in range(self.layer.count())] != names:
                keep = self.layer.currentIndex()
                self.layer.blockSignals(True)
                self.layer.clear()
                self.layer.addItems(names)
                self.layer.setCurrentIndex(min(max(keep, 0), len(names) - 1))
                self.layer.blockSignals(False)
                self._kinds = list(kinds)
                self._fill_quantities()
            self.sequence.setRange(1, max(1, n_sequences))
            self.sequence.setSuffix(f" of {max(1, n_sequences)}")
            self.unit.setRange(0, max(0, units - 1))
        finally:
            self.blockSignals(False)

    def _fill_quantities(self) -> None:
        index = self.layer.currentIndex()
        if not 0 <= index < len(self._kinds):
            return
        items = QUANTITIES.get(self._kinds[index], QUANTITIES["rnn"])
        keys = [self.quantity.itemData(i) for i in range(self.quantity.count())]
        if keys == [k for k, _ in items]:
            return
        keep = self.quantity.currentData()
        self.quantity.blockSignals(True)
        self.quantity.clear()
        for key, label in items:
            self.quantity.addItem(label, key)
        found = self.quantity.findData(keep)
        self.quantity.setCurrentIndex(max(found, 0))
        self.quantity.blockSignals(False)

    def layer_index(self) -> int:
        return max(self.layer.currentIndex(), 0)

    def quantity_key(self) -> str:
        return self.quantity.currentData() or "hidden"
