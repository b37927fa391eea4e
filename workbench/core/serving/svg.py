"""Tiny inline-SVG charts for the HTML report: line charts and a confusion-matrix heatmap.

Self-contained on purpose (no plotting library, no network): the report is one file that
opens anywhere. Coordinates are computed here; text is escaped.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
W, H, PAD_L, PAD_B, PAD_T, PAD_R = 640, 300, 62, 36, 24, 16


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * step:
            step *= m
            break
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step) + 1)]


def line_chart(
    series: list[tuple[str, np.ndarray, np.ndarray]],
    title: str,
    x_label: str = "",
    y_label: str = "",
    log_y: bool = False,
    marks: list[tuple[float, str]] | None = None,
) -> str:
    """``series``: (name, x, y) triples; non-finite points are skipped."""
    pts = [(n, np.asarray(x, float), np.asarray(y, float)) for n, x, y in series if len(x)]
    if log_y:
        pts = [(n, x, np.where(y > 0, np.log10(np.where(y > 0, y, 1)), np.nan)) for n, x, y in pts]
    xs = np.concatenate([x for _, x, _ in pts]) if pts else np.zeros(1)
    ys = np.concatenate([y for _, _, y in pts]) if pts else np.zeros(1)
    ys = ys[np.isfinite(ys)]
    x0, x1 = float(np.nanmin(xs)), float(np.nanmax(xs))
    y0, y1 = (float(ys.min()), float(ys.max())) if ys.size else (0.0, 1.0)
    if x1 <= x0:
        x1 = x0 + 1
    if y1 <= y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    pad = (y1 - y0) * 0.05
    y0, y1 = y0 - pad, y1 + pad

    def sx(v: float) -> float:
        return PAD_L + (v - x0) / (x1 - x0) * (W - PAD_L - PAD_R)

    def sy(v: float) -> float:
        return H - PAD_B - (v - y0) / (y1 - y0) * (H - PAD_B - PAD_T)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">',
        f'<text x="{W / 2}" y="15" text-anchor="middle" font-size="13">{escape(title)}</text>',
        f'<rect x="{PAD_L}" y="{PAD_T}" width="{W - PAD_L - PAD_R}" '
        f'height="{H - PAD_B - PAD_T}" fill="none" stroke="#999"/>',
    ]
    for t in _ticks(y0, y1):
        label = f"{10**t:.3g}" if log_y else f"{t:.4g}"
        out.append(
            f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
            f'stroke="#eee"/><text x="{PAD_L - 4}" y="{sy(t) + 4:.1f}" '
            f'text-anchor="end">{label}</text>'
        )
    for t in _ticks(x0, x1):
        out.append(
            f'<text x="{sx(t):.1f}" y="{H - PAD_B + 14}" text-anchor="middle">{t:.6g}</text>'
        )
    for value, label in marks or []:
        out.append(
            f'<line x1="{sx(value):.1f}" x2="{sx(value):.1f}" y1="{PAD_T}" y2="{H - PAD_B}" '
            f'stroke="#aaa" stroke-dasharray="4 3"/><text x="{sx(value) + 3:.1f}" '
            f'y="{PAD_T + 12}">{escape(label)}</text>'
        )
    for i, (name, x, y) in enumerate(pts):
        color = COLORS[i % len(COLORS)]
        ok = np.isfinite(y) & np.isfinite(x)
        path = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(x[ok], y[ok]))
        if ok.sum() == 1:
            a, b = x[ok][0], y[ok][0]
            out.append(f'<circle cx="{sx(a):.1f}" cy="{sy(b):.1f}" r="3" fill="{color}"/>')
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        out.append(
            f'<rect x="{PAD_L + 8 + 130 * i}" y="{PAD_T + 6}" width="10" height="3" '
            f'fill="{color}"/><text x="{PAD_L + 22 + 130 * i}" y="{PAD_T + 11}">'
            f"{escape(name)}</text>"
        )
    out.append(
        f'<text x="{W / 2}" y="{H - 4}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text x="12" y="{H / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {H / 2})">{escape(y_label)}</text></svg>'
    )
    return "\n".join(out)


def confusion_chart(matrix: list[list[int]], names: list[str], title: str) -> str:
    """Rows: true class, columns: predicted; cells shaded by share of the row."""
    m = np.asarray(matrix, dtype=float)
    k = len(names)
    cell = max(18, min(48, 420 // max(1, k)))
    left, top = 110, 40
    width, height = left + cell * k + 20, top + cell * k + 90
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<text x="{width / 2}" y="15" text-anchor="middle" font-size="13">{escape(title)}</text>',
    ]
    rows = m.sum(1, keepdims=True)
    share = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    for i in range(k):
        for j in range(k):
            v = share[i, j]
            shade = int(255 - 200 * v)
            fill = f"rgb({shade},{shade},255)"
            x, y = float(left + j * cell), float(top + i * cell)
            text = "white" if v > 0.6 else "black"
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" '
                f'stroke="#fff"/><text x="{x + cell / 2}" y="{y + cell / 2 + 4}" '
                f'text-anchor="middle" fill="{text}">{int(m[i, j])}</text>'
            )
        out.append(
            f'<text x="{left - 4}" y="{top + i * cell + cell / 2 + 4}" '
            f'text-anchor="end">{escape(names[i][:16])}</text>'
        )
    for j in range(k):
        x, y = left + j * cell + cell / 2, top + k * cell + 8
        out.append(
            f'<text x="{x}" y="{y}" text-anchor="end" transform="rotate(-45 {x} {y})">'
            f"{escape(names[j][:16])}</text>"
        )
    out.append(
        f'<text x="{left + k * cell / 2}" y="{height - 4}" text-anchor="middle">predicted</text>'
        f'<text x="12" y="{top + k * cell / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + k * cell / 2})">true</text></svg>'
    )
    return "\n".join(out)
