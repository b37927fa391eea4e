"""A Keras-style model summary computed from the spec alone (no torch import: the GUI's live
summary recomputes it on every edit).

Parameter counts are exact (a test checks them against the built module); FLOPs per time step
count multiply-adds as 2 FLOPs plus the gates' elementwise work; activation memory is what
backward keeps per sample and time step, as float32.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.core.spec.layers import DropoutSpec, LayerNormSpec, RecurrentSpec
from workbench.core.spec.project import ModelSpec

BYTES_PER_FLOAT = 4
#: Gates per recurrent cell, and elementwise FLOPs per hidden unit per step (activations,
#: gate products, state update) — rough but consistent counts.
_GATES = {"rnn": 1, "gru": 3, "lstm": 4}
_ELEMENTWISE = {"rnn": 2, "gru": 12, "lstm": 14}
#: Floats kept for backward per hidden unit per step (gate activations, states).
_SAVED = {"rnn": 2, "gru": 5, "lstm": 7}


@dataclass
class SummaryRow:
    name: str
    kind: str
    output_shape: str
    params: int
    flops_per_step: int
    activation_bytes_per_step: int
    #: The head of a sequence model runs once per sequence, not per step.
    per_sequence: bool = False


@dataclass
class ModelSummary:
    rows: list[SummaryRow] = field(default_factory=list)
    total_params: int = 0
    flops_per_step: int = 0
    flops_per_sequence: int = 0
    activation_bytes_per_step: int = 0
    param_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": [asdict(r) for r in self.rows],
            "total_params": self.total_params,
            "trainable_params": self.total_params,
            "param_bytes": self.param_bytes,
            "flops_per_step": self.flops_per_step,
            "flops_per_sequence_head": self.flops_per_sequence,
            "activation_bytes_per_sample_step": self.activation_bytes_per_step,
        }

    def to_text(self, title: str = "") -> str:
        header = ("Layer (type)", "Output shape", "Param #", "FLOPs/step", "Act. mem/step")
        body = [
            (
                f"{r.name} ({r.kind})",
                r.output_shape,
                f"{r.params:,}",
                f"{r.flops_per_step:,}" + (" /seq" if r.per_sequence else ""),
                format_bytes(r.activation_bytes_per_step),
            )
            for r in self.rows
        ]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        rule = "─" * (sum(widths) + 2 * (len(widths) - 1))

        def line(cells: tuple[str, ...]) -> str:
            left = [c.ljust(w) for c, w in zip(cells[:2], widths[:2])]
            right = [c.rjust(w) for c, w in zip(cells[2:], widths[2:])]
            return "  ".join(left + right).rstrip()

        out = [f'Model: "{title}"' if title else "Model", rule, line(header), rule]
        out += [line(row) for row in body]
        out += [
            rule,
            f"Total params: {self.total_params:,} ({format_bytes(self.param_bytes)})",
            f"Trainable params: {self.total_params:,}",
            f"FLOPs per time step (forward): {self.flops_per_step:,}"
            + (
                f"  + head {self.flops_per_sequence:,} per sequence"
                if self.flops_per_sequence
                else ""
            ),
            "Activation memory per sample and time step (training): "
            f"{format_bytes(self.activation_bytes_per_step)}",
            "Shapes: B = batch, T = time steps",
        ]
        return "\n".join(out)


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


# ---- per-layer statistics (registry, keyed by layer type) -----------------------------------
LayerStats = Callable[[Any, int], tuple[int, int, int]]  # -> params, flops, saved floats
LAYER_STATS: dict[str, LayerStats] = {}


def register_stats(kind: str) -> Callable[[LayerStats], LayerStats]:
    def wrap(fn: LayerStats) -> LayerStats:
        LAYER_STATS[kind] = fn
        return fn

    return wrap


def _recurrent_stats(spec: RecurrentSpec, input_width: int) -> tuple[int, int, int]:
    gates, hidden = _GATES[spec.type], spec.hidden_size
    out = getattr(spec, "proj_size", 0) or hidden
    dirs = 2 if spec.bidirectional else 1
    params = flops = saved = 0
    width = input_width
    for _ in range(spec.num_layers):
        per_dir = gates * hidden * (width + out) + 2 * gates * hidden
        flops_dir = 2 * gates * hidden * (width + out) + _ELEMENTWISE[spec.type] * hidden
        if out != hidden:  # LSTM projection W_hr
            per_dir += out * hidden
            flops_dir += 2 * out * hidden
        params += dirs * per_dir
        flops += dirs * flops_dir
        saved += dirs * (_SAVED[spec.type] * hidden + out)
        width = out * dirs
    return params, flops, saved


for _kind in _GATES:
    register_stats(_kind)(_recurrent_stats)


@register_stats("dropout")
def _dropout_stats(spec: DropoutSpec, width: int) -> tuple[int, int, int]:
    return 0, width, width // 4 + 1  # a byte mask per feature


@register_stats("layernorm")
def _layernorm_stats(spec: LayerNormSpec, width: int) -> tuple[int, int, int]:
    return 2 * width, 8 * width, width + 2


def _shape(per_step: bool, width: int) -> str:
    return f"(B, T, {width})" if per_step else f"(B, {width})"


def summarize(spec: ModelSpec) -> ModelSummary:
    """Rows for input, each block and the head, with totals."""
    summary = ModelSummary()
    inp = spec.input
    if inp.kind == "tokens":
        emb = inp.vocab_size * inp.embedding_dim
        summary.rows.append(
            SummaryRow(
                "embedding",
                "Embedding",
                _shape(True, inp.embedding_dim),
                emb,
                0,
                inp.embedding_dim * BYTES_PER_FLOAT,
            )
        )
    else:
        summary.rows.append(SummaryRow("input", "Input", _shape(True, inp.n_features), 0, 0, 0))
    counts: dict[str, int] = {}
    for layer, (width_in, width_out) in zip(spec.layers, spec.layer_widths()):
        counts[layer.type] = counts.get(layer.type, 0) + 1
        params, flops, saved = LAYER_STATS[layer.type](layer, width_in)
        kind = layer.label
        if isinstance(layer, RecurrentSpec):
            extra = [f"{layer.hidden_size}"]
            if layer.num_layers > 1:
                extra.append(f"×{layer.num_layers}")
            if layer.bidirectional:
                extra.append("bi")
            kind = f"{layer.label}({', '.join(extra)})"
        summary.rows.append(
            SummaryRow(
                f"{layer.type}_{counts[layer.type]}",
                kind,
                _shape(True, width_out),
                params,
                flops,
                saved * BYTES_PER_FLOAT,
            )
        )
    head = spec.head
    width = spec.layer_widths()[-1][1] if spec.layers else inp.width
    per_step = head.kind == "per_step"
    if not per_step:
        recurrent = [layer for layer in spec.layers if layer.recurrent]
        bidirectional = bool(recurrent) and bool(getattr(recurrent[-1], "bidirectional", False))
        pooled = {
            "last": "final state per direction" if bidirectional else "last valid step",
            "last_step": "last valid step",
            "mean": "mean over valid steps",
            "max": "max over valid steps",
        }
        summary.rows.append(
            SummaryRow("pool", f"Pool({pooled[head.pooling]})", _shape(False, width), 0, 0, 0, True)
        )
    dense = [("dense", "Linear+ReLU", head.hidden_size)] if head.hidden_size else []
    for name, kind, units in [*dense, ("output", "Linear", head.output_size)]:
        summary.rows.append(
            SummaryRow(
                name,
                kind,
                _shape(per_step, units),
                width * units + units,
                2 * width * units,
                units * BYTES_PER_FLOAT if per_step else 0,
                not per_step,
            )
        )
        width = units
    for row in summary.rows:
        summary.total_params += row.params
        if row.per_sequence:
            summary.flops_per_sequence += row.flops_per_step
        else:
            summary.flops_per_step += row.flops_per_step
            summary.activation_bytes_per_step += row.activation_bytes_per_step
    summary.param_bytes = summary.total_params * BYTES_PER_FLOAT
    return summary
