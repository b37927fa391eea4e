"""A text probe's characters coloured by one unit's activation (Karpathy's char-rnn figures)."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QTextEdit

from workbench.gui.plots.heatmap import ColorScale

SHOWN = {"\n": "↵", "\t": "→", " ": " "}


def token_html(tokens: list[str], values: np.ndarray, scale: ColorScale) -> str:
    """HTML with one background colour per token; NaN (padding) gets no colour."""
    values = np.asarray(values, dtype=np.float64)
    span = scale.hi - scale.lo or 1.0
    colors = scale.cmap.map(np.clip((np.nan_to_num(values) - scale.lo) / span, 0, 1), mode="byte")
    parts = []
    for tok, value, rgba in zip(tokens, values, colors):
        text = html.escape(SHOWN.get(tok, tok)) if len(tok) <= 1 else html.escape(tok) + " "
        if not np.isfinite(value):
            parts.append(f'<span style="color:#999">{text}</span>')
        else:
            r, g, b = (int(c) for c in rgba[:3])
            ink = "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"
            parts.append(
                f'<span style="background-color:rgb({r},{g},{b});color:{ink}" '
                f'title="{value:+.3f}">{text}</span>'
            )
        if tok == "\n":
            parts.append("<br>")
    return "".join(parts)


class TextActivationView(QTextEdit):
    """Read-only text; ``show_tokens`` recolours it for a new snapshot or unit."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.25)  # colours need room to read
        self.setFont(font)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.tokens: list[str] = []
        self.values = np.zeros(0)

    def show_tokens(
        self, tokens: list[str], values: np.ndarray, scale: ColorScale, caption: str = ""
    ) -> None:
        self.tokens, self.values = list(tokens), np.asarray(values)
        head = f'<div style="color:#555;font-family:sans-serif">{html.escape(caption)}</div>'
        self.setHtml(
            head + f'<div style="line-height:140%">{token_html(tokens, values, scale)}</div>'
        )
