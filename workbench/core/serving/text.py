"""Metrics as a readable text block (the CLI's `evaluate` and the report's fallback)."""

from __future__ import annotations

from typing import Any

from workbench.core.spec.task import Task


def _f(v: Any, digits: int = 4) -> str:
    return "-" if v is None else f"{v:.{digits}g}" if isinstance(v, float) else str(v)


def metrics_text(task: str, m: dict[str, Any]) -> str:
    text = _metrics_text(task, m)
    base = m.get("baselines")
    if base:
        shown = ", ".join(f"{k} {_f(v)}" for k, v in base.items() if k != "name")
        text += f"\nbaseline: {base.get('name')}: {shown}"
    return text


def _metrics_text(task: str, m: dict[str, Any]) -> str:
    lines: list[str] = []
    if task == Task.LANGUAGE_MODEL:
        lines.append(f"loss:       {_f(m['loss'])} nats/token")
        lines.append(f"perplexity: {_f(m['perplexity'])}")
        lines.append(f"bits/token: {_f(m['bits_per_token'])}")
        lines.append(f"accuracy:   {_f(m['accuracy'])} (top-1 next token)")
        return "\n".join(lines)
    if "confusion" in m:
        lines.append(f"accuracy:   {_f(m['accuracy'])}")
        lines.append(f"loss:       {_f(m['loss'])}")
        lines.append(f"ROC-AUC:    {_f(m['roc_auc_ovr'])} (one vs rest, macro)")
        width = max(12, *(len(r["class"]) for r in m["per_class"]))
        lines.append("")
        lines.append(f"{'class':<{width}}  precision  recall  f1      support  roc_auc")
        for r in m["per_class"]:
            lines.append(
                f"{r['class']:<{width}}  {_f(r['precision']):<9}  {_f(r['recall']):<6}  "
                f"{_f(r['f1']):<6}  {r['support']:<7}  {_f(r['roc_auc'])}"
            )
        for avg in ("macro", "weighted"):
            a = m[avg]
            lines.append(
                f"{avg + ' avg':<{width}}  {_f(a['precision']):<9}  {_f(a['recall']):<6}  "
                f"{_f(a['f1']):<6}"
            )
        lines.append("")
        lines.append("confusion matrix (rows: true, columns: predicted)")
        names = m["classes"]
        cell = max(5, *(len(n) for n in names))
        lines.append(" " * (width + 2) + " ".join(f"{n[:cell]:>{cell}}" for n in names))
        for name, row in zip(names, m["confusion"]):
            lines.append(f"{name:<{width}}  " + " ".join(f"{v:>{cell}}" for v in row))
        return "\n".join(lines)
    for key in ("rmse", "mae", "mape", "smape"):
        unit = " %" if key in ("mape", "smape") and m.get(key) is not None else ""
        lines.append(f"{key.upper():<6} {_f(m.get(key))}{unit}")
    base = m.get("baseline")
    if base:
        lines.append(f"baseline: {base['name']}: RMSE {_f(base['rmse'])}, MAE {_f(base['mae'])}")
    if len(m.get("per_target", [])) > 1:
        lines.append("")
        lines.append(
            "per target: "
            + ", ".join(f"{t['target']} RMSE {_f(t['rmse'])}" for t in m["per_target"][:12])
        )
    return "\n".join(lines)
