"""Language-model sampling controls: prime text, temperature, length, Sample, and the output."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.plain_text import plain_label


class LMSampler(QWidget):
    """``sample_requested(prime, n_tokens, temperature)`` when the user presses Sample."""

    sample_requested = Signal(str, int, float)
    settings_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prime_edit = QLineEdit()
        self.prime_edit.setPlaceholderText("prime text (empty: the start of the validation text)")
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setValue(0.8)
        self.temperature.setToolTip(
            "Low: safe, repetitive text (0 = always the most likely character); high: adventurous"
        )
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 200)
        self.slider.setValue(80)
        self.slider.setMaximumWidth(160)
        self.slider.valueChanged.connect(lambda v: self.temperature.setValue(v / 100))
        self.temperature.valueChanged.connect(lambda v: self.slider.setValue(round(v * 100)))
        self.temperature.valueChanged.connect(self.settings_changed)
        self.prime_edit.editingFinished.connect(self.settings_changed)
        self.length = QSpinBox()
        self.length.setRange(10, 2000)
        self.length.setValue(240)
        self.length.setSuffix(" tokens")
        self.button = QPushButton("Sample")
        self.button.setToolTip(
            "Sample now from the weights of the latest snapshot (background job)"
        )
        self.button.setEnabled(False)
        self.button.clicked.connect(self._request)
        self.status = plain_label(QLabel(""))
        self.status.setStyleSheet("color: #555;")
        self.output = QTextEdit()
        self.output.setReadOnly(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.output.setFont(font)
        row = QHBoxLayout()
        row.addWidget(QLabel("Prime"))
        row.addWidget(self.prime_edit, 1)
        row.addWidget(QLabel("Temperature"))
        row.addWidget(self.slider)
        row.addWidget(self.temperature)
        row.addWidget(self.length)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.output, 1)
        self.text = ""

    def _request(self) -> None:
        self.sample_requested.emit(
            self.prime_edit.text(), self.length.value(), float(self.temperature.value())
        )

    def show_sample(self, prime: str, continuation: str, caption: str) -> None:
        """The prime in grey, the model's continuation in black."""
        self.text = continuation
        self.status.setText(caption)
        self.output.setHtml(
            '<pre style="white-space:pre-wrap">'
            f'<span style="color:#888">{html.escape(prime)}</span>'
            f'<span style="color:#000">{html.escape(continuation)}</span></pre>'
        )
