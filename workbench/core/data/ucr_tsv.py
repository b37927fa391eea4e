"""The UCR archive's ``.tsv`` layout: one series per line, the class label first, then the
values (tab-separated; commas are accepted too). Trailing ``NaN`` cells pad shorter series
(variable length); a ``NaN`` inside a series is a missing value.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.data.finite import check_cell
from workbench.core.data.raw import Preview, RawSequences
from workbench.core.data.text import decode_utf8
from workbench.core.errors import DataError

if TYPE_CHECKING:
    from workbench.core.spec.project import DataSpec


def parse_ucr(text: str, where: str, delimiter: str | None) -> RawSequences:
    sep = delimiter if delimiter not in (None, "\\t") else "\t"
    lines = [(i + 1, ln) for i, ln in enumerate(text.split("\n")) if ln.strip()]
    if not lines:
        raise DataError(
            f"{where}: the file is empty", "a UCR .tsv has a label then the values on each line"
        )
    if delimiter is None and "\t" not in lines[0][1] and "," in lines[0][1]:
        sep = ","
    labels, series, origins = [], [], []
    for number, line in lines:
        cells = line.split(sep) if sep != " " else line.split()
        if len(cells) < 2:
            raise DataError(
                f"{where}: line {number}: a label and at least one value are needed",
                "UCR layout: LABEL<tab>v1<tab>v2…",
            )
        values = []
        for k, cell in enumerate(cells[1:]):
            c = cell.strip()
            try:
                value = float("nan") if c in ("", "?") else float(c)
            except ValueError:
                raise DataError(
                    f"{where}: line {number}, value {k + 1}: {c!r} is not a number"
                ) from None
            check_cell(value, c, where, f"line {number}, value {k + 1}")
            values.append(value)
        arr = np.asarray(values, dtype=np.float32)
        valid = np.flatnonzero(~np.isnan(arr))
        if valid.size == 0:
            raise DataError(f"{where}: line {number}: no values")
        series.append(arr[: valid[-1] + 1])  # trailing NaN is padding
        labels.append(cells[0].strip())
        origins.append(f"line {number}")
    lengths = np.array([len(s) for s in series], dtype=np.int64)
    steps = int(lengths.max())
    x = np.zeros((len(series), steps, 1), dtype=np.float32)
    for i, s in enumerate(series):
        x[i, : len(s), 0] = s
    rows = [[labels[i], *[f"{v:g}" for v in series[i][:8]]] for i in range(min(20, len(series)))]
    return RawSequences(
        x=x,
        lengths=None if (lengths == steps).all() else lengths,
        y=np.array(labels, dtype=object),
        feature_names=["value"],
        target_names=["class"],
        origins=origins,
        preview=Preview(["label", *[f"t{t}" for t in range(min(8, steps))]], rows),
    )


def read_ucr_tsv(
    path: Path, spec: DataSpec, where: str, test_path: Path | None = None
) -> RawSequences:
    raw = parse_ucr(decode_utf8(path.read_bytes(), where), where, spec.delimiter)
    if test_path is not None:
        raw.test = parse_ucr(
            decode_utf8(test_path.read_bytes(), str(test_path)), str(test_path), spec.delimiter
        )
    return raw
