"""Data files from a fuzzer, per format: every file loads, or raises the user error
(``WorkbenchError``) — never another exception, never a hang."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from fuzzkit import FUZZ, time_limit
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from workbench.core.data import load_data
from workbench.core.data.loader import inspect_data
from workbench.core.errors import WorkbenchError
from workbench.core.spec.project import DataSpec

TASKS = st.sampled_from(["classification", "regression", "forecasting", "tagging"])
cells = (
    st.integers(-(10**30), 10**30).map(str)
    | st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.sampled_from(["", "NA", "nan", "inf", "-inf", "1e999", "1,5", '"a,b"', "<b>x</b>", "x"])
    | st.text(max_size=6)
)


def check(path: Path, spec: DataSpec, tensors: bool) -> None:
    with time_limit():
        try:
            inspect_data(spec, path.parent)
            if tensors:
                load_data(spec, path.parent)
        except WorkbenchError:
            return


def write(tmp: Path, name: str, payload: bytes) -> Path:
    path = tmp / name
    path.write_bytes(payload)
    return path


@FUZZ
@given(
    rows=st.lists(st.lists(cells, min_size=1, max_size=5), min_size=0, max_size=12),
    task=TASKS,
    window=st.integers(1, 6),
    tensors=st.booleans(),
)
def test_csv_files(tmp_path_factory, count, rows, task, window, tensors):
    count("data: csv")
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path = write(
        tmp_path_factory.mktemp("d"), "f.csv", buffer.getvalue().encode("utf-8", "replace")
    )
    check(path, DataSpec(source=path.name, task=task, window=window), tensors)


@FUZZ
@given(
    payload=st.binary(max_size=300),
    ext=st.sampled_from([".csv", ".npy", ".npz", ".txt", ".ts", ".tsv"]),
)
def test_any_bytes_in_each_format(tmp_path_factory, count, payload, ext):
    count(f"data: bytes as {ext}")
    task = "language_model" if ext == ".txt" else "classification"
    path = write(tmp_path_factory.mktemp("d"), f"f{ext}", payload)
    check(path, DataSpec(source=path.name, task=task, seq_len=4), tensors=True)


arrays = hnp.arrays(
    dtype=st.sampled_from(["f4", "f8", "i4", "u1", "?", "f2", "c8", "U3"]),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
    elements=None,
    fill=st.nothing(),
)


@FUZZ
@given(x=arrays, y=st.none() | arrays, task=TASKS, npz=st.booleans(), pickled=st.booleans())
def test_numpy_files(tmp_path_factory, count, x, y, task, npz, pickled):
    count("data: npy/npz")
    tmp = tmp_path_factory.mktemp("d")
    if pickled:  # an object array is saved as a pickle: the loader must refuse it unread
        x = x.astype(object)
    if npz:
        path = tmp / "f.npz"
        np.savez_compressed(path, **({"X": x} if y is None else {"X": x, "y": y}))
    else:
        path = tmp / "f.npy"
        np.save(path, x)  # object arrays are pickled: the loader must refuse them
        if y is not None:
            np.save(tmp / "f_y.npy", y)
    check(path, DataSpec(source=path.name, task=task, window=2), tensors=True)


@FUZZ
@given(text=st.text(max_size=400), level=st.sampled_from(["char", "word"]), seq=st.integers(2, 8))
def test_text_corpora(tmp_path_factory, count, text, level, seq):
    count("data: text")
    path = write(tmp_path_factory.mktemp("d"), "f.txt", text.encode("utf-8", "surrogatepass"))
    spec = DataSpec(source=path.name, task="language_model", text_level=level, seq_len=seq)
    check(path, spec, tensors=True)


TS_HEADER = st.lists(
    st.sampled_from(
        [
            "@problemName x",
            "@timeStamps false",
            "@timeStamps true",
            "@univariate true",
            "@univariate false",
            "@classLabel true a b",
            "@classLabel false",
            "@targetLabel true",
            "@dimensions 2",
            "@equalLength true",
            "@seriesLength 3",
            "@missing true",
            "@data",
        ]
    ),
    max_size=8,
)
TS_LINE = st.lists(
    st.lists(cells | st.sampled_from(["?", "(1,2)", "(x,3)"]), min_size=1, max_size=4).map(
        ",".join
    ),
    min_size=1,
    max_size=3,
).map(":".join)


@FUZZ
@given(header=TS_HEADER, lines=st.lists(TS_LINE, max_size=8))
def test_ts_files(tmp_path_factory, count, header, lines):
    count("data: ts")
    text = "\n".join([*header, *lines]) + "\n"
    path = write(tmp_path_factory.mktemp("d"), "f.ts", text.encode("utf-8", "replace"))
    check(path, DataSpec(source=path.name), tensors=True)


@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=6), max_size=8))
def test_ucr_tsv_files(tmp_path_factory, count, rows):
    count("data: ucr tsv")
    tmp = tmp_path_factory.mktemp("d")
    text = "\n".join("\t".join(r) for r in rows) + "\n"
    path = write(tmp, "F_TRAIN.tsv", text.encode("utf-8", "replace"))
    write(tmp, "F_TEST.tsv", text.encode("utf-8", "replace"))
    check(path, DataSpec(source=path.name), tensors=True)
