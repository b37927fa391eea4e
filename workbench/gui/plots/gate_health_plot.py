"""Gate health over training: saturated gate values, units that never move, mean forget/update gate."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from workbench.gui.plots.colors import PALETTE
from workbench.gui.plots.live_plot import LivePlot, finite_or_nan

FRAME = "frame"


def _frame(plot: LivePlot) -> None:
    """An invisible curve from 0 to 1: shares always read on the full 0…1 scale, whichever way
    the plot fits its range to the data."""
    plot.add_curve(FRAME, "#000000", None, alpha=0).set_data([1.0, 1.0], [0.0, 1.0])


def layer_key(item: Any) -> tuple[int, int, int]:
    return (item.block, item.layer, item.direction)


def layer_label(kind: str, block: int, layer: int, direction: int, bidirectional: bool) -> str:
    arrow = (" ←" if direction else " →") if bidirectional else ""
    return f"{kind.upper()} {block + 1}.{layer + 1}{arrow}"


class GateHealthPlots(QWidget):
    """Three plots against step, one curve per layer and direction (stable colours)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.saturated = LivePlot("Saturated gate values (&lt; 0.05 or &gt; 0.95)", "step", "share")
        self.frozen = LivePlot("Units that never move on the probe", "step", "share of units")
        self.memory = LivePlot("Mean forget gate (LSTM) · update gate (GRU)", "step", "mean")
        self.plots = (self.saturated, self.frozen, self.memory)
        for plot in self.plots:
            _frame(plot)
            plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        note = QLabel(
            "Saturated gates stop passing gradient; frozen units carry no information. "
            "A forget/update gate near 1 keeps memory for long; near 0 it forgets every step."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.saturated, 0, 0)
        grid.addWidget(self.frozen, 0, 1)
        grid.addWidget(self.memory, 1, 0)
        grid.addWidget(note, 1, 1)
        self._colors: dict[tuple[int, int, int], str] = {}
        self.last_step = -1

    def clear(self) -> None:
        for plot in self.plots:
            plot.clear_curves()
            _frame(plot)
        self._colors.clear()
        self.last_step = -1

    def add_snapshot(self, snapshot: Any, bidirectional: set[int]) -> None:
        """Append one point per layer (``bidirectional``: blocks with two directions)."""
        if snapshot.step <= self.last_step:
            return
        self.last_step = snapshot.step
        for health in snapshot.gate_health:
            key = layer_key(health)
            color = self._colors.setdefault(key, PALETTE[len(self._colors) % len(PALETTE)])
            name = layer_label(
                health.kind,
                health.block,
                health.layer,
                health.direction,
                health.block in bidirectional,
            )
            ck = "{}.{}.{}".format(*key)
            step = float(snapshot.step)
            self.saturated.add_curve(ck, color, name).append(
                step, finite_or_nan(health.saturated_fraction)
            )
            self.frozen.add_curve(ck, color, name).append(step, health.frozen_fraction)
            gate = health.mean_forget if health.mean_forget is not None else health.mean_update
            if gate is not None:
                self.memory.add_curve(ck, color, name).append(step, finite_or_nan(gate))

    def refresh(self) -> None:
        for plot in self.plots:
            plot.refresh()

    def point_counts(self) -> dict[str, int]:
        return {
            f"{title}:{key}": len(curve)
            for title, plot in (
                ("saturated", self.saturated),
                ("frozen", self.frozen),
                ("memory", self.memory),
            )
            for key, curve in plot.curves.items()
            if key != FRAME
        }
