"""The Inspect panel: inside the recurrent layers, live, while the model trains.

Snapshots (``ProbeSnapshot``, plain NumPy) arrive from the training panel's ``probe_received``
at most a few times a second, together with a run ``context`` (vocabulary, names) and epoch-end
``predictions``. Histories (gate health, gradient flow) take every snapshot; the heavy views
redraw only the tab on screen, so nothing is drawn that nobody looks at. The engine side is
``core/inspection/``: ``bind_training`` hands the training panel our ``InspectionSettings``, and
the run's session attaches the core ``Probe`` with them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core.inspection.events import (
    GradFlowHistory,
    InspectContext,
    PredictionsEvent,
    ProbeSnapshot,
)
from workbench.core.inspection.feed import InspectionSettings
from workbench.gui.plain_text import plain_label
from workbench.gui.plots.gate_health_plot import GateHealthPlots
from workbench.gui.plots.gradflow_plot import GradFlowPlots
from workbench.gui.plots.heatmap import (
    ActivationHeatmap,
    ColorScale,
    relu_scale,
    sigmoid_scale,
    tanh_scale,
    unbounded_scale,
)
from workbench.gui.plots.predictions_view import PredictionsView
from workbench.gui.plots.trajectory_plot import TrajectoryPlot
from workbench.gui.widgets.inspect_controls import QUANTITIES, InspectControls
from workbench.gui.widgets.inspect_intro import INTRO
from workbench.gui.widgets.text_activation import TextActivationView

TABS = ("Activations", "Gate health", "Gradient flow", "Trajectory", "Predictions")
TANH_GATES = ("cell", "new")
ACTIVE = ("running", "paused", "stopping")


class InspectPanel(QWidget):
    def __init__(self, document: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.hook = InspectionSettings()  # what the next run probes, and LM sampling
        self._training: Any = None  # the bound training panel (its session samples)
        self.context: InspectContext | None = None
        self.snapshot: Any = None
        self.snapshots_received = 0
        self.snapshots_received_run = 0  # since the current run started
        self._bounds: dict[tuple, float] = {}  # sticky colour bounds of unbounded quantities
        self._flows_seen: set[tuple[int, int]] = set()  # (epoch, step) of gradient flows shown
        self._run_state = "idle"
        self._sample_job: Any = None
        self._render_soon = QTimer(self)
        self._render_soon.setObjectName("inspect-render")
        self._render_soon.setSingleShot(True)
        self._render_soon.setInterval(0)
        self._render_soon.timeout.connect(self.render)
        self._build()

    # ---- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.controls = InspectControls()
        self.controls.probe_changed.connect(self._on_probe_options)
        self.controls.view_changed.connect(self.render)
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(270)
        scroll.setMaximumWidth(320)

        self.intro = QLabel(INTRO)
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        self.intro.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.intro.setContentsMargins(24, 12, 24, 12)
        self.intro.setMaximumWidth(900)

        self.heatmap = ActivationHeatmap()
        self.heatmap.unit_clicked.connect(self.controls.unit.setValue)
        self.text_view = TextActivationView()
        self.text_view.hide()
        acts = QSplitter(Qt.Orientation.Vertical)
        acts.addWidget(self.heatmap)
        acts.addWidget(self.text_view)
        acts.setStretchFactor(0, 3)
        acts.setStretchFactor(1, 2)
        self.activations = acts
        self.gate_health = GateHealthPlots()
        self.grad_flow = GradFlowPlots()
        self.trajectory = TrajectoryPlot()
        self.predictions = PredictionsView()
        self.predictions.sampler.sample_requested.connect(self._sample)
        self.predictions.sampler.settings_changed.connect(self._on_sampling_settings)
        self.tabs = QTabWidget()
        for widget, title in zip(
            (acts, self.gate_health, self.grad_flow, self.trajectory, self.predictions), TABS
        ):
            self.tabs.addTab(widget, title)
        self.tabs.currentChanged.connect(self.render)

        self.status = plain_label(QLabel(""))  # run folders, error messages
        self.status.setStyleSheet("color: #444;")
        main = QWidget()
        main_layout = QVBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addWidget(self.status)
        main_layout.addWidget(self.tabs, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.intro)
        self.stack.addWidget(main)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(scroll)
        layout.addWidget(self.stack, 1)

    # ---- wiring ---------------------------------------------------------------------------
    def bind_training(self, panel: Any) -> None:
        """Attach to the training panel: its runs probe by our settings; events come back here."""
        panel.inspection = self.hook
        self._training = panel
        panel.probe_received.connect(self.on_probe)
        panel.run_state_changed.connect(self.on_run_state)

    def _on_probe_options(self) -> None:
        self.hook.options = self.controls.options()

    def _on_sampling_settings(self) -> None:
        sampler = self.predictions.sampler
        self.hook.sampling.temperature = float(sampler.temperature.value())
        session = self._session()
        if session is not None:  # the next epoch-end sample of a running probe uses it too
            session.set_temperature(self.hook.sampling.temperature)
        self.hook.sampling.prime = sampler.prime_edit.text()
        self.hook.sampling.n_tokens = int(sampler.length.value())

    def on_run_state(self, state: str) -> None:
        starting = state in ACTIVE and self._run_state not in ACTIVE
        self._run_state = state
        if starting:
            self.reset()
            if not self.hook.options.enabled:
                self.intro.setText(INTRO + "<p><b>Inspection is off for this run.</b></p>")

    def reset(self) -> None:
        """A new run: forget the previous run's views."""
        self.context = None
        self.snapshot = None
        self._bounds.clear()
        self._flows_seen.clear()
        self.snapshots_received_run = 0
        self.gate_health.clear()
        self.grad_flow.clear()
        self.predictions.reset()
        self.status.setText("")
        self.intro.setText(INTRO)
        self.stack.setCurrentWidget(self.intro)
        self.controls.view_box.setEnabled(False)

    # ---- events ---------------------------------------------------------------------------
    def on_probe(self, event: Any) -> None:
        """One event from ``probe_received``: a snapshot, the run context or predictions."""
        if isinstance(event, InspectContext):
            self.context = event
            self.predictions.reset(event.task)
            if event.error:
                self.status.setText(f"Inspection unavailable for this run: {event.error}")
            return
        if isinstance(event, PredictionsEvent):
            self.predictions.set_event(event)
            return
        if isinstance(event, GradFlowHistory):
            for epoch, step, flow in event.flows:
                self._add_grad_flow(flow, epoch, step)
            if self.isVisible() and TABS[self.tabs.currentIndex()] == "Gradient flow":
                self.grad_flow.refresh()
            return
        if not isinstance(event, ProbeSnapshot):
            return
        self.snapshot = event
        self.snapshots_received += 1
        bidir = self._bidirectional()
        self.gate_health.add_snapshot(event, bidir)
        if event.has_grad_flow and event.grad_flow is not None:
            self._add_grad_flow(event.grad_flow, event.epoch, event.step)
        views = event.blocks
        units = views[self.controls.layer_index() % len(views)].hidden.shape[-1] if views else 0
        self.controls.set_layers(
            [self._layer_name(v, bidir) for v in views],
            [v.kind for v in views],
            int(event.inputs.shape[0]),
            units,
        )
        text = self._is_text()
        self.controls.set_text_probe(text)
        if text and self.snapshots_received_run == 0:
            self._pick_lively_unit()
        self.snapshots_received_run += 1
        self.stack.setCurrentIndex(1)
        self.controls.view_box.setEnabled(True)
        self.status.setText(
            f"Step {event.step:,} · epoch {event.epoch} · probe: {len(event.lengths)} sequences"
            f" from the {self._split_name()} split · snapshot took {1000 * event.elapsed_s:.0f} ms"
        )
        if self.isVisible():
            self._render_soon.start()  # once after this drain tick, however many events it had

    def _pick_lively_unit(self) -> None:
        """Colour the text by the unit that varies most over the first probe sequence: a unit
        that changes with the characters makes a more telling picture than a flat one."""
        view = self.snapshot.blocks[self.controls.layer_index() % len(self.snapshot.blocks)]
        with np.errstate(all="ignore"):
            spread = np.nan_to_num(np.nanstd(view.hidden[0], axis=0))
        self.controls.unit.setValue(int(np.argmax(spread)))

    def _add_grad_flow(self, flow: Any, epoch: int, step: int) -> None:
        if (epoch, step) in self._flows_seen:
            return
        self._flows_seen.add((epoch, step))
        bidir = {lf.block for lf in flow.layers if lf.direction}
        self.grad_flow.add(flow, epoch, bidir)

    def _bidirectional(self) -> set[int]:
        return {v.block for v in self.snapshot.blocks if v.direction} if self.snapshot else set()

    @staticmethod
    def _layer_name(view: Any, bidir: set[int]) -> str:
        arrow = (" ←" if view.direction else " →") if view.block in bidir else ""
        return f"{view.kind.upper()} block {view.block + 1} · layer {view.layer + 1}{arrow}"

    def _split_name(self) -> str:
        key = self.context.probe_split if self.context else self.hook.options.split
        return {"val": "validation", "train": "training"}.get(key, key)

    def _is_text(self) -> bool:
        snap = self.snapshot
        if snap is None or snap.inputs.ndim != 2:
            return False
        return getattr(snap, "tokens", None) is not None or (
            self.context is not None and self.context.vocab is not None
        )

    def _tokens(self, seq: int, length: int) -> list[str]:
        """The probe's tokens (from the snapshot, else decoded with the run's vocabulary)."""
        snap = self.snapshot
        found = getattr(snap, "tokens", None)
        if found is not None:
            return list(found[seq][:length])
        vocab = self.context.vocab
        ids = snap.inputs[seq, :length]
        return [vocab[int(i)] if 0 <= int(i) < len(vocab) else "<unk>" for i in ids]

    # ---- drawing --------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.render()

    def render(self, *_args) -> None:
        """Redraw the tab on screen from the latest snapshot."""
        if self.snapshot is None or not self.snapshot.blocks:
            return
        tab = TABS[self.tabs.currentIndex()]
        if tab == "Activations":
            self._render_activations()
        elif tab == "Gate health":
            self.gate_health.refresh()
        elif tab == "Gradient flow":
            self.grad_flow.refresh()
        elif tab == "Trajectory":
            i = self.controls.layer_index() % len(self.snapshot.trajectory)
            name = self.controls.layer.itemText(i)
            seq = self.controls.sequence.value() - 1
            traj = self.snapshot.trajectory[i]
            self.trajectory.set_trajectory(traj, self.snapshot.lengths, name, highlight=seq)

    def selected_values(self) -> tuple[np.ndarray, ColorScale, str]:
        """``[T, H]`` values of the chosen layer / quantity / probe sequence and their scale."""
        snap = self.snapshot
        index = self.controls.layer_index() % len(snap.blocks)
        view = snap.blocks[index]
        key = self.controls.quantity_key()
        if key not in dict(QUANTITIES.get(view.kind, ())):
            key = "hidden"
        label = dict(QUANTITIES[view.kind])[key]
        if key == "hidden":
            arr = view.hidden
        elif key == "cell_state":
            arr = view.cell
        else:
            arr = view.gates[key]
        seq = min(self.controls.sequence.value() - 1, arr.shape[0] - 1)
        values = arr[seq]
        bound_key = (index, key)
        if key == "hidden" and view.kind == "rnn" and np.nanmin(arr) >= 0 and np.nanmax(arr) > 1:
            scale = relu_scale(label, values, self._bounds.get(bound_key, 1.0))
        elif key in ("cell_state", "preactivation") or (
            key == "hidden" and np.nanmax(np.abs(arr)) > 1.0001  # LSTM projection, ReLU RNN
        ):
            scale = unbounded_scale(label, arr, self._bounds.get(bound_key, 1.0))
        elif key == "hidden" or key in TANH_GATES:
            scale = tanh_scale(label)
        else:
            scale = sigmoid_scale(label)
        self._bounds[bound_key] = max(abs(scale.lo), abs(scale.hi))
        return (
            values,
            scale,
            f"{self.controls.layer.itemText(index)} — {label}, probe sequence {seq + 1}",
        )

    def _render_activations(self) -> None:
        snap = self.snapshot
        values, scale, title = self.selected_values()
        seq = min(self.controls.sequence.value() - 1, snap.inputs.shape[0] - 1)
        length = int(snap.lengths[seq])
        if length < values.shape[0]:
            title += f" · grey: padding after step {length}"
        self.heatmap.set_values(values, scale, title)
        text = self._is_text()
        if text and self.text_view.isHidden():
            total = max(self.activations.height(), 400)
            self.activations.setSizes([int(total * 0.7), int(total * 0.3)])
        self.text_view.setVisible(text)
        if text:
            self.heatmap.set_inputs(None, length)
            unit = min(self.controls.unit.value(), values.shape[1] - 1)
            self.heatmap.show_unit(unit)
            tokens = self._tokens(seq, length)
            self.text_view.show_tokens(
                tokens, values[:length, unit], scale, f"Probe text coloured by unit {unit}:"
            )
        else:
            self.heatmap.show_unit(None)
            inputs = snap.inputs[seq]
            names = self.context.feature_names if self.context else None
            self.heatmap.set_inputs(inputs if inputs.ndim == 2 else None, length, names)

    # ---- language-model sampling (background job on a CPU copy of the weights) ------------
    def _session(self) -> Any:
        return getattr(self._training, "session", None)

    def _sample(self, prime: str, n_tokens: int, temperature: float) -> None:
        event, session = self.predictions.latest, self._session()
        if event is None or not event.can_sample or session is None:
            return
        if self._sample_job is not None and self._sample_job.is_running():
            return
        from workbench.gui.worker import run_in_thread

        prime = prime or event.prime
        sampler = self.predictions.sampler
        sampler.button.setEnabled(False)
        sampler.status.setText("Sampling…")
        epoch = session.sample_epoch or event.epoch

        def job() -> str:
            return session.sample_text(prime, n_tokens, temperature)

        def done(text: str) -> None:
            sampler.button.setEnabled(True)
            sampler.show_sample(
                prime,
                text,
                f"Sampled now from the epoch {epoch} weights, temperature {temperature:g}",
            )

        def failed(info: Any) -> None:
            sampler.button.setEnabled(True)
            sampler.status.setText(f"Sampling failed: {info.message}")

        self._sample_job = run_in_thread(job, done, failed, name="workbench-sample", parent=self)

    def shutdown(self) -> None:
        """Wait for a running sampling job (window closing, tests)."""
        if self._sample_job is not None:
            self._sample_job.join(10.0)
        load_job = getattr(self, "_load_job", None)  # a run loaded from its checkpoint
        if load_job is not None:
            load_job.join(30.0)
