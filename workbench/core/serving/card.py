"""``model-card.json`` / ``model-card.md``: what an exported model takes, gives and was
trained on — inputs, outputs, preprocessing, metrics, settings and the data source's hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from workbench.core.spec.project_file import atomic_write_bytes
from workbench.core.spec.task import Task


def card(run: Any, result: Any) -> dict[str, Any]:
    from workbench import __version__
    from workbench.core.runs import read_metrics

    pre, spec = run.pre, run.spec
    ends = read_metrics(run.path / "metrics.jsonl", "end")
    final = ends[-1] if ends else {}
    metrics = {
        k: v
        for k, v in final.items()
        if k.startswith(("test_", "val_", "train_")) and v is not None
    }
    numeric = spec.model.input.kind == "numeric"
    stats = pre.normalization or {}
    return {
        "name": spec.name,
        "description": spec.description,
        "task": pre.task,
        "format": result.format,
        "files": list(result.files),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "exported_by": f"Sequence Workbench {__version__}",
        "run": str(run.path),
        "checkpoint": run.checkpoint,
        "inputs": {
            "kind": spec.model.input.kind,
            "shape": "[batch, time, features]" if numeric else "[batch, time] token ids",
            "features": pre.feature_names if numeric else None,
            "vocab_size": None if numeric else len(pre.vocab or []),
            "window": pre.window or None,
            "lengths": "int64 [batch]: valid steps per sequence",
        },
        "outputs": {
            "per_step": spec.model.head.kind == "per_step",
            "names": pre.output_names
            if pre.vocab is None
            else f"{len(pre.vocab)} next-token logits",
            "meaning": {
                Task.CLASSIFICATION: "logits; softmax gives class probabilities",
                Task.TAGGING: "logits per step; softmax gives tag probabilities",
                Task.LANGUAGE_MODEL: "next-token logits per step",
            }.get(pre.task, "scaled targets; multiply by scale and add center for original units"),
            "horizon": pre.horizon or None,
        },
        "preprocessing": {
            "normalization": stats.get("method", "none"),
            "features": stats.get("features"),
            "targets": stats.get("targets"),
            "class_names": pre.class_names,
            "text_level": pre.text_level if pre.vocab else None,
        },
        "metrics": metrics,
        "verification": {
            "max_abs_diff": result.max_abs_diff,
            "compared_sequences": result.compared,
            **{k: v for k, v in result.details.items() if k == "opset"},
        },
        "training": {
            "epochs": final.get("epochs") or run.status.get("epoch"),
            "steps": run.status.get("step"),
            "status": run.status.get("status"),
            "optimizer": spec.train.optimizer.to_dict(),
            "batch_size": spec.train.batch_size,
            "seed": spec.train.seed,
            "layers": [layer.to_dict() for layer in spec.model.layers],
        },
        "data": {"source": pre.source, "sha256": pre.source_sha256, "format": pre.data_format},
    }


def markdown(c: dict[str, Any]) -> str:
    lines = [f"# {c['name']} — {c['task']} model ({c['format']})", ""]
    if c["description"]:
        lines += [c["description"], ""]
    lines += [
        f"Exported by {c['exported_by']} on {c['created']} from `{c['run']}` "
        f"({c['checkpoint']} checkpoint). Files: {', '.join(c['files'])}.",
        "",
        "## Inputs",
        f"- {c['inputs']['shape']}, plus `lengths` ({c['inputs']['lengths']})",
    ]
    if c["inputs"]["features"]:
        lines.append(f"- features: {', '.join(c['inputs']['features'])}")
    if c["inputs"]["window"]:
        lines.append(f"- window: {c['inputs']['window']} steps")
    names = c["outputs"]["names"]
    lines += [
        "",
        "## Outputs",
        f"- {c['outputs']['meaning']}",
        f"- {', '.join(names) if isinstance(names, list) else names}",
        "",
        "## Preprocessing",
        f"- normalization: {c['preprocessing']['normalization']} (fitted on the training split;"
        " the constants are in model-card.json)",
        "",
        "## Metrics",
    ]
    lines += [
        f"- {k}: {v:.6g}" if isinstance(v, float) else f"- {k}: {v}"
        for k, v in c["metrics"].items()
    ]
    v = c["verification"]
    if v["max_abs_diff"] is not None and v["compared_sequences"]:
        lines += [
            "",
            "## Verification",
            f"- max |Δ| against the workbench model: {v['max_abs_diff']:.3g} over "
            f"{v['compared_sequences']} test sequences"
            + (f" (ONNX opset {v['opset']})" if "opset" in v else ""),
        ]
    t = c["training"]
    lines += [
        "",
        "## Training",
        f"- {t['epochs']} epochs, {t['steps']} steps, status {t['status']}; batch size "
        f"{t['batch_size']}, seed {t['seed']}; optimizer {t['optimizer']['name']} "
        f"(lr {t['optimizer']['lr']})",
        f"- layers: {', '.join(layer['type'] for layer in t['layers'])}",
        "",
        "## Data",
        f"- {c['data']['source']} ({c['data']['format']}), sha256 {c['data']['sha256'] or '-'}",
        "",
    ]
    return "\n".join(lines)


def write_card(run: Any, result: Any) -> list[str]:
    c = card(run, result)
    folder = result.folder
    atomic_write_bytes(folder / "model-card.json", (json.dumps(c, indent=1) + "\n").encode())
    atomic_write_bytes(folder / "model-card.md", markdown(c).encode("utf-8"))
    return ["model-card.json", "model-card.md"]
