"""Predictions as rows (CSV / JSON lines) or one array (.npy), written atomically."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.errors import WorkbenchError
from workbench.core.serving.inputs import Inputs
from workbench.core.serving.predict import Predictions
from workbench.core.spec.project_file import atomic_write_bytes

FORMATS = (".csv", ".npy", ".jsonl")


def _num(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def rows(preds: Predictions, inputs: Inputs | None = None, vocab: list[str] | None = None):
    """``(header, iterator of row dicts)`` in the user's units."""
    truth = None if inputs is None else inputs.y
    names = preds.names
    if preds.task == "classification":
        header = ["index", "predicted", *[f"p_{n}" for n in names]]
        if truth is not None:
            header.append("true")

        def gen() -> Iterator[dict[str, Any]]:
            for i in range(len(preds)):
                row = {"index": preds.index[i], "predicted": names[int(preds.predicted[i])]}
                row.update({f"p_{n}": _num(p) for n, p in zip(names, preds.proba[i])})
                if truth is not None:
                    row["true"] = names[int(truth[i])]
                yield row

    elif preds.task == "tagging":
        header = ["index", "step", "predicted", "p_predicted"] + (
            ["true"] if truth is not None else []
        )

        def gen() -> Iterator[dict[str, Any]]:
            for i in range(len(preds)):
                for t in range(int(preds.lengths[i])):
                    k = int(preds.predicted[i, t])
                    row = {"index": preds.index[i], "step": t, "predicted": names[k]}
                    row["p_predicted"] = _num(preds.proba[i, t, k])
                    if truth is not None:
                        row["true"] = names[int(truth[i, t])]
                    yield row

    elif preds.task == "language_model":
        assert vocab is not None and preds.top_ids is not None
        k = preds.top_ids.shape[1]
        header = ["position", "token"]
        for j in range(k):
            header += [f"next_{j + 1}", f"p_{j + 1}"]
        header += ["actual_next", "nll"]
        stream = None if inputs is None else np.asarray(inputs.x)

        def gen() -> Iterator[dict[str, Any]]:
            for i in range(len(preds.top_ids)):
                row: dict[str, Any] = {"position": i}
                row["token"] = vocab[int(stream[i])] if stream is not None else ""
                for j in range(k):
                    row[f"next_{j + 1}"] = vocab[int(preds.top_ids[i, j])]
                    row[f"p_{j + 1}"] = _num(preds.top_p[i, j])
                row["actual_next"] = vocab[int(stream[i + 1])] if stream is not None else ""
                row["nll"] = _num(preds.nll[i])
                yield row

    else:
        header = ["index", *names] + ([f"true_{n}" for n in names] if truth is not None else [])

        def gen() -> Iterator[dict[str, Any]]:
            for i in range(len(preds)):
                row = {"index": preds.index[i]}
                row.update({n: _num(v) for n, v in zip(names, preds.values[i])})
                if truth is not None:
                    row.update({f"true_{n}": _num(v) for n, v in zip(names, truth[i])})
                yield row

    return header, gen()


def main_array(preds: Predictions) -> np.ndarray:
    """What ``.npy`` holds: probabilities (classes, tags), values (regression, forecasting)
    or the most likely next-token ids (language model)."""
    if preds.proba is not None:
        return preds.proba
    if preds.values is not None:
        return preds.values
    assert preds.predicted is not None
    return preds.predicted


def _write_rows(path: Path, suffix: str, header: list[str], records) -> None:
    """Row by row into a temp file beside ``path``, then ``os.replace``: a large output is
    never held in memory whole, and a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            if suffix == ".csv":
                writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
                writer.writeheader()
                for r in records:
                    writer.writerow({k: ("" if v is None else v) for k, v in r.items()})
            else:
                for r in records:
                    handle.write(json.dumps(r, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write(
    path: str | Path,
    preds: Predictions,
    inputs: Inputs | None = None,
    vocab: list[str] | None = None,
) -> Path:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise WorkbenchError(
            f"{path}: cannot write predictions as {suffix or '(no extension)'!r}",
            "end the file name with .csv, .npy or .jsonl",
        )
    try:
        if suffix == ".npy":
            buffer = io.BytesIO()
            np.save(buffer, main_array(preds), allow_pickle=False)
            atomic_write_bytes(path, buffer.getvalue())
        else:
            _write_rows(path, suffix, *rows(preds, inputs, vocab))
    except OSError as exc:
        raise WorkbenchError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path
