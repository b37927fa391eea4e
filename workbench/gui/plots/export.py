"""Export a live plot to PNG, SVG or CSV (right-click menu of every ``LivePlot``)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog, QWidget

from workbench.core.spec.project_file import atomic_write_bytes

FORMATS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)", "csv": "CSV table (*.csv)"}


#: Exported images are at least this wide (a screen-sized plot is too coarse for a page).
PNG_WIDTH = 1600


def export_png(widget: QWidget, path: str | Path, width: int = PNG_WIDTH) -> None:
    """The plot redrawn ``width`` pixels wide (same layout and proportions as on screen: the
    scene is rendered as vectors at that scale, not a screenshot blown up)."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter

    scale = max(1.0, width / max(1, widget.width()))
    image = QImage(
        round(widget.width() * scale), round(widget.height() * scale), QImage.Format.Format_RGB32
    )
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        source = QRectF(widget.viewport().rect()) if hasattr(widget, "viewport") else None
        if source is not None and hasattr(widget, "scene"):
            widget.scene().render(painter, QRectF(image.rect()), source)
        else:
            painter.scale(scale, scale)
            widget.render(painter)
    finally:
        painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


def ask_png_width(parent: QWidget) -> int | None:
    """How wide the exported image should be, in pixels; None when the user cancels."""
    from PySide6.QtWidgets import QInputDialog

    width, ok = QInputDialog.getInt(
        parent,
        "Export PNG",
        "Image width (pixels):",
        max(PNG_WIDTH, 2 * parent.width()),
        200,
        20_000,
        100,
    )
    return width if ok else None


def export_svg(widget: QWidget, path: str | Path, title: str = "") -> None:
    """The widget as vector graphics. (pyqtgraph's own SVGExporter cannot parse the path data
    Qt 6.11 writes, so Qt's QSvgGenerator renders the widget directly.)"""
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(widget.width(), widget.height()))
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(title)
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"could not write {path}")
    try:
        widget.render(painter)
    finally:
        painter.end()


def export_csv(series: Iterable[tuple[str, np.ndarray, np.ndarray]], path: str | Path) -> None:
    """Every point of every curve (not the downsampled view) in long form: series, x, y."""
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["series", "x", "y"])
    for name, xs, ys in series:
        for x, y in zip(np.asarray(xs).tolist(), np.asarray(ys).tolist()):
            writer.writerow([name, _num(x), _num(y)])
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def _num(value: float) -> str:
    # Steps and epochs are whole numbers: write "12", not "12.0"; repr keeps every digit.
    if value == value and abs(value) != float("inf") and value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def ask_export_path(parent: QWidget, title: str, fmt: str) -> Path | None:
    """A save dialog for one format; None when the user cancels."""
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in title.lower()).strip("-")
    path, _ = QFileDialog.getSaveFileName(
        parent, f"Export {fmt.upper()}", f"{name or 'plot'}.{fmt}", FORMATS[fmt]
    )
    if not path:
        return None
    path = Path(path)
    return path if path.suffix.lower() == f".{fmt}" else path.with_name(path.name + f".{fmt}")
