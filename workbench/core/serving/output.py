"""Predictions as rows (CSV / JSON lines) or one array (.npy), written atomically."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.errors import WorkbenchError
from workbench.core.serving.inputs import Inputs
from workbench.core.serving.predict import Predictions
from workbench.core.spec.task import Task

FORMATS = (".csv", ".npy", ".jsonl")


def _num(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def rows(preds: Predictions, inputs: Inputs | None = None, vocab: list[str] | None = None):
    """``(header, iterator of row dicts)`` in the user's units."""
    truth = None if inputs is None else inputs.y
    names = preds.names
    if preds.task == Task.CLASSIFICATION:
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

    elif preds.task == Task.TAGGING:
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

    elif preds.task == Task.LANGUAGE_MODEL:
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


def check_suffix(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise WorkbenchError(
            f"{path}: cannot write predictions as {suffix or '(no extension)'!r}",
            "end the file name with .csv, .npy or .jsonl",
        )
    return suffix


class Writer:
    """Predictions written batch by batch into a temp file, put in place by ``commit``.

    Rows (CSV, JSON lines) go out as they come; ``.npy`` batches are kept on disk and joined
    under one header at the end (the row count is known only then). ``path=None``: CSV to
    standard output at ``commit``. A reader never sees half a file; nothing large stays in
    memory. Use as a context manager: leaving it by an exception removes the temp file.
    """

    def __init__(self, path: str | Path | None, vocab: list[str] | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.suffix = ".csv" if path is None else check_suffix(path)
        self.vocab = vocab
        self.count = 0
        where = tempfile.gettempdir() if self.path is None else self.path.parent
        prefix = ".predictions." if self.path is None else f".{self.path.name}."
        try:
            fd, self._tmp = tempfile.mkstemp(dir=where, prefix=prefix, suffix=".tmp")
        except OSError as exc:
            raise WorkbenchError(f"{path}: cannot write ({exc.strerror or exc})") from None
        if self.suffix == ".npy":
            self._handle: Any = os.fdopen(fd, "wb")
        else:
            self._handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._csv: csv.DictWriter[str] | None = None
        self._blocks: list[tuple[tuple[int, ...], np.dtype]] = []

    def write(self, preds: Predictions, inputs: Inputs | None = None) -> None:
        self.count += len(preds)
        if self.suffix == ".npy":
            block = np.ascontiguousarray(main_array(preds))
            self._blocks.append((block.shape, block.dtype))
            self._handle.write(block.tobytes())
            return
        header, records = rows(preds, inputs, self.vocab)
        if self.suffix == ".jsonl":
            for r in records:
                self._handle.write(json.dumps(r, ensure_ascii=False) + "\n")
            return
        if self._csv is None:
            self._csv = csv.DictWriter(self._handle, fieldnames=header, lineterminator="\n")
            self._csv.writeheader()
        for r in records:
            self._csv.writerow({k: ("" if v is None else v) for k, v in r.items()})

    def restart(self) -> None:
        """Forget what was written (the input is read again another way)."""
        self._handle.seek(0)
        self._handle.truncate()
        self._csv, self._blocks, self.count = None, [], 0

    def commit(self) -> int:
        """Put the file in place (or print it); returns the number of predictions."""
        try:
            if self.suffix == ".npy":
                self._handle.close()
                self._join_npy()
            else:
                self._handle.flush()
                os.fsync(self._handle.fileno())
                self._handle.close()
            if self.path is None:
                with open(self._tmp, encoding="utf-8") as handle:
                    shutil.copyfileobj(handle, sys.stdout)
                os.unlink(self._tmp)
            else:
                os.replace(self._tmp, self.path)
        except OSError as exc:
            self.abort()
            raise WorkbenchError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
        return self.count

    def abort(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind, value, trace) -> None:
        if kind is not None:
            self.abort()

    def _join_npy(self) -> None:
        """One array from the batches; tagging batches (as wide as their longest sequence)
        padded to the longest of all with uniform probabilities, as a whole-file read pads."""
        shapes = [shape for shape, _ in self._blocks] or [(0,)]
        dtype = self._blocks[0][1] if self._blocks else np.dtype(np.float64)
        trailing = tuple(max(s[i] for s in shapes) for i in range(1, len(shapes[0])))
        data = self._tmp + ".data"
        os.replace(self._tmp, data)
        try:
            with open(data, "rb") as source, open(self._tmp, "wb") as out:
                header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False}
                header["shape"] = (self.count, *trailing)
                np.lib.format.write_array_header_1_0(out, header)
                for shape, kind in self._blocks:
                    size = int(np.prod(shape)) * kind.itemsize
                    block = np.frombuffer(source.read(size), dtype=kind).reshape(shape)
                    if shape[1:] != trailing:
                        fill = 1.0 / trailing[-1]
                        width = [(0, 0)] + [(0, t - s) for s, t in zip(shape[1:], trailing)]
                        block = np.pad(block, width, constant_values=fill)
                    out.write(np.ascontiguousarray(block, dtype=dtype).tobytes())
                out.flush()
                os.fsync(out.fileno())
        finally:
            os.unlink(data)


def write(
    path: str | Path,
    preds: Predictions,
    inputs: Inputs | None = None,
    vocab: list[str] | None = None,
) -> Path:
    """All the predictions at once (``Writer`` with one batch)."""
    with Writer(path, vocab) as writer:
        writer.write(preds, inputs)
        writer.commit()
    return Path(path)
