"""``workbench report``: one self-contained HTML file about a run — model summary, training
curves, metrics against baselines, confusion matrix or forecast plot, settings, data summary.

No network, no scripts: charts are inline SVG, styles inline, so the file can be mailed or
filed in a lab notebook and opens the same anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.errors import WorkbenchError
from workbench.core.serving import svg
from workbench.core.serving.loaded import LoadedRun
from workbench.core.serving.text import metrics_text
from workbench.core.spec.project_file import atomic_write_bytes
from workbench.core.spec.task import VALUE_TASKS, Task

#: Step-loss points drawn at most (longer logs are thinned evenly).
MAX_POINTS = 2000

STYLE = """
body{font-family:system-ui,sans-serif;max-width:980px;margin:24px auto;color:#222;padding:0 12px}
h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:28px}
pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}.muted{color:#777}
"""


def _table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        return escape("-" if v is None else str(v))

    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _curves(run: LoadedRun) -> str:
    records = run.rundir.read_metrics()
    epochs = [r for r in records if r.get("type") == "epoch"]
    steps = [r for r in records if r.get("type") == "step" and r.get("loss") is not None]
    parts = []
    if steps:
        every = max(1, len(steps) // MAX_POINTS)
        chosen = steps[::every]
        x = np.array([r["step"] for r in chosen], float)
        y = np.array([r["loss"] for r in chosen], float)
        parts.append(
            svg.line_chart(
                [("train loss (per step)", x, y)],
                "Loss per step",
                "step",
                "loss",
                log_y=bool((y > 0).all()),
            )
        )
    if epochs:
        x = np.array([r["epoch"] for r in epochs], float)
        names = [k for k in epochs[-1] if k.endswith("_loss")]
        series = [
            (k, x, np.array([r.get(k, np.nan) or np.nan for r in epochs], float)) for k in names
        ]
        parts.append(svg.line_chart(series, "Loss per epoch", "epoch", "loss"))
        metric = next(
            (k for k in ("val_accuracy", "val_rmse", "val_perplexity") if k in epochs[-1]), None
        )
        if metric:
            y = np.array([r.get(metric, np.nan) or np.nan for r in epochs], float)
            parts.append(
                svg.line_chart([(metric, x, y)], metric.replace("_", " "), "epoch", metric)
            )
    return "\n".join(parts) or '<p class="muted">no training records</p>'


def _final_metrics(run: LoadedRun) -> str:
    ends = run.rundir.read_metrics("end")
    final = ends[-1] if ends else {}
    rows = [
        [k, v]
        for k, v in final.items()
        if k.startswith(("train_", "val_", "test_")) and isinstance(v, (int, float))
    ]
    return _table(["metric (as training reported it)", "value"], rows) if rows else ""


def _evaluation(
    run: LoadedRun, progress: Callable[[float], None] | None
) -> tuple[str, dict[str, Any] | None]:
    from workbench.core.serving.evaluation import run_evaluation
    from workbench.core.serving.inputs import from_split

    try:
        inputs = from_split(run, "test")
    except WorkbenchError as exc:
        return f'<p class="muted">no test evaluation: {escape(exc.one_line())}</p>', None
    result = run_evaluation(run, inputs, progress=progress)
    m = result.metrics or {}
    html = [f"<p>Test split, {len(result.preds)} predictions, {run.checkpoint} checkpoint.</p>"]
    if "per_class" in m:
        rows = [
            [r["class"], r["precision"], r["recall"], r["f1"], r["support"], r["roc_auc"]]
            for r in m["per_class"]
        ]
        for avg in ("macro", "weighted"):
            rows.append([f"{avg} avg", m[avg]["precision"], m[avg]["recall"], m[avg]["f1"], "", ""])
        html.append(
            f"<p>accuracy {m['accuracy']:.4g}, loss {m['loss']:.4g}, ROC-AUC (one vs rest) {m['roc_auc_ovr'] if m['roc_auc_ovr'] is None else round(m['roc_auc_ovr'], 4)}</p>"
        )
        html.append(_table(["class", "precision", "recall", "F1", "support", "ROC-AUC"], rows))
        html.append(
            svg.confusion_chart(m["confusion"], m["classes"], "Confusion matrix (test split)")
        )
    else:
        html.append(f"<pre>{escape(metrics_text(run.task, m))}</pre>")
    if run.task in VALUE_TASKS and result.preds.values is not None:
        x = np.arange(len(result.preds))
        name = result.preds.names[0]
        html.append(
            svg.line_chart(
                [
                    ("true", x, np.asarray(inputs.y)[:, 0]),
                    ("predicted", x, result.preds.values[:, 0]),
                ],
                f"{name}: test split"
                + (" (first forecast step)" if run.task == Task.FORECASTING else ""),
                "test window",
                name,
            )
        )
    base = m.get("baselines")
    if base:
        html.append(
            _table(
                ["baseline: " + str(base.get("name")), "value"],
                [[k, v] for k, v in base.items() if k != "name"],
            )
        )
    return "\n".join(html), m


def build_report(run: LoadedRun, progress: Callable[[float], None] | None = None) -> str:
    """The report's HTML text."""
    from workbench import __version__
    from workbench.core.data import inspect_data
    from workbench.core.models.summary import summarize

    spec, pre = run.spec, run.pre
    status = run.status
    evaluation, _ = _evaluation(run, progress)
    try:
        data_text = inspect_data(spec.data, run.base_dir).to_text()
    except WorkbenchError as exc:
        data_text = f"the training data cannot be read now: {exc.one_line()}"
    sections = [
        f"<h1>{escape(spec.name)} — {escape(run.task.replace('_', ' '))}</h1>",
        f"<p>{escape(spec.description)}</p>" if spec.description else "",
        f'<p class="muted">Run {escape(str(run.path))}: {escape(str(status.get("status", "?")))}, '
        f"epoch {status.get('epoch', '?')}, step {status.get('step', '?')}. Report written "
        f"{datetime.now(UTC).isoformat(timespec='seconds')} by Sequence Workbench {__version__}.</p>",
        "<h2>Model</h2>",
        f"<pre>{escape(summarize(spec.model).to_text(spec.name))}</pre>",
        "<h2>Training curves</h2>",
        _curves(run),
        "<h2>Metrics</h2>",
        _final_metrics(run),
        "<h2>Evaluation on the test split</h2>",
        evaluation,
        "<h2>Settings</h2>",
        f"<pre>{escape(json.dumps(spec.train.to_dict(), indent=2))}</pre>",
        "<h2>Data</h2>",
        f"<pre>{escape(data_text)}</pre>",
        f"<p>Source {escape(pre.source)}, SHA-256 {escape(pre.source_sha256 or '-')}.</p>",
    ]
    body = "\n".join(s for s in sections if s)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(spec.name)} — report</title><style>{STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def write_report(
    run: LoadedRun, out: str | Path, progress: Callable[[float], None] | None = None
) -> Path:
    path = Path(out)
    html = build_report(run, progress)
    try:
        atomic_write_bytes(path, html.encode("utf-8"))
    except OSError as exc:
        raise WorkbenchError(f"{path}: cannot write the report ({exc.strerror or exc})") from None
    return path
