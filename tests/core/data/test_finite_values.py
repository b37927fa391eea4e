"""inf, -inf, 1e400 and float32 overflow (1e39) are refused on every loader path, with the place."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench.core.data import inspect_data
from workbench.core.errors import DataError
from workbench.core.spec.project import DataSpec


def _refused(spec: DataSpec, *fragments: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may leak either
        with pytest.raises(DataError) as info:
            inspect_data(spec)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_npz_inputs_and_targets(tmp_path):
    x = np.ones((6, 5, 2))
    x[3, 2, 1] = 1e39
    np.savez(tmp_path / "a.npz", X=x, y=np.arange(6))
    _refused(
        DataSpec(source=str(tmp_path / "a.npz")), "a.npz", "X[3, 2, 1]", "too large for float32"
    )
    x[3, 2, 1] = -np.inf
    np.save(tmp_path / "b.npy", x)
    np.save(tmp_path / "b_y.npy", np.arange(6))
    _refused(DataSpec(source=str(tmp_path / "b.npy")), "b.npy", "X[3, 2, 1]", "infinite")
    y = np.linspace(0, 1, 6)
    y[4] = np.inf
    np.savez(tmp_path / "c.npz", X=np.ones((6, 5, 2)), y=y)
    _refused(DataSpec(source=str(tmp_path / "c.npz"), task="regression"), "c.npz", "y[4]")


def test_npy_series(tmp_path):
    series = np.arange(40, dtype=np.float64).reshape(20, 2)
    series[7, 0] = 1e400
    np.save(tmp_path / "s.npy", series)
    _refused(
        DataSpec(source=str(tmp_path / "s.npy"), task="forecasting", window=3),
        "s.npy",
        "X row 7, column 0",
        "infinite",
    )


TS = """@problemName demo
@timeStamps false
@univariate true
@classLabel true a b
@data
1,2,3:a
4,{cell},6:b
"""


@pytest.mark.parametrize("cell", ["inf", "1e400", "1e39", "-Infinity"])
def test_ts_values(tmp_path, cell):
    (tmp_path / "d.ts").write_text(TS.format(cell=cell))
    _refused(
        DataSpec(source=str(tmp_path / "d.ts")), "d.ts", "line 7, dimension 1, value 2", repr(cell)
    )


def test_ts_regression_target(tmp_path):
    text = "@problemName r\n@univariate true\n@targetLabel true\n@data\n1,2:0.5\n3,4:1e39\n"
    (tmp_path / "r.ts").write_text(text)
    _refused(DataSpec(source=str(tmp_path / "r.ts"), task="regression"), "r.ts", "line 6, target")


def test_ucr_tsv(tmp_path):
    (tmp_path / "U_TRAIN.tsv").write_text("1\t0.5\t0.25\n2\t-inf\t1\n")
    _refused(
        DataSpec(source=str(tmp_path / "U_TRAIN.tsv")), "U_TRAIN.tsv", "line 2, value 1", "infinite"
    )


def test_long_csv_feature(tmp_path):
    (tmp_path / "l.csv").write_text("id,v,label\na,1,x\na,1e39,x\nb,2,y\n")
    _refused(
        DataSpec(source=str(tmp_path / "l.csv"), id_column="id", target_columns=["label"]),
        "line 3, column 'v'",
        "too large for float32",
    )


def test_csv_regression_target(tmp_path):
    rows = ["a,target"] + [f"{i},{i}" for i in range(20)]
    rows[5] = "4,-inf"
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    _refused(
        DataSpec(
            source=str(tmp_path / "t.csv"), task="regression", window=2, target_columns=["target"]
        ),
        "line 6, column 'target'",
        "infinite",
    )


@pytest.mark.parametrize("value", [float("inf"), 1e39, float("nan")])
def test_builtin_parameters(value):
    _refused(DataSpec(source="builtin:sine", task="forecasting", builtin={"noise": value}), "noise")
    _refused(
        DataSpec(source="builtin:sine", task="forecasting", builtin={"length": value}), "length"
    )
