"""Every bad input raises a DataError whose message names the file and the place."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.data import load_data
from workbench.core.errors import DataError
from workbench.core.spec.project import DataSpec, SplitSpec


def _fails(spec: DataSpec, *fragments: str) -> str:
    with pytest.raises(DataError) as info:
        load_data(spec)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    _fails(DataSpec(source=str(tmp_path / "empty.csv"), task="forecasting"), "empty.csv", "empty")
    (tmp_path / "blank.txt").write_text("\n \n")
    _fails(
        DataSpec(source=str(tmp_path / "blank.txt"), task="language_model"), "blank.txt", "empty"
    )


def test_header_only(tmp_path):
    (tmp_path / "h.csv").write_text("time,value,other\n")
    _fails(DataSpec(source=str(tmp_path / "h.csv"), task="forecasting"), "h.csv", "only a header")


def test_non_numeric_cell_names_row_and_column(tmp_path):
    rows = ["a,b"] + [f"{i},{i * 2}" for i in range(10)]
    rows[6] = "5,oops"
    (tmp_path / "n.csv").write_text("\n".join(rows) + "\n")
    _fails(
        DataSpec(source=str(tmp_path / "n.csv"), task="forecasting", window=2),
        "n.csv",
        "line 7",
        "column 'b'",
        "'oops' is not a number",
    )


def test_text_column_chosen_as_feature_names_the_cell(tmp_path):
    (tmp_path / "t.csv").write_text("when,v\nmon,1\ntue,2\nwed,3\n")
    _fails(
        DataSpec(
            source=str(tmp_path / "t.csv"),
            task="forecasting",
            window=1,
            feature_columns=["when"],
            target_columns=["v"],
        ),
        "t.csv",
        "line 2",
        "column 'when'",
        "'mon' is not a number",
    )


def test_ragged_rows(tmp_path):
    rows = ["a,b,c"] + [f"{i},{i},{i}" for i in range(10)]
    rows[4] = "3,3"
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    _fails(
        DataSpec(source=str(tmp_path / "r.csv"), task="forecasting", window=2),
        "r.csv",
        "line 5 has 2 fields, expected 3",
    )


def test_unknown_delimiter(tmp_path):
    (tmp_path / "d.csv").write_text("a#b#c\n1#2#3\n4#5#6\n")
    _fails(
        DataSpec(source=str(tmp_path / "d.csv"), task="forecasting"), "d.csv", "column separator"
    )


def test_non_utf8_bytes(tmp_path):
    (tmp_path / "l1.csv").write_bytes(b"a,b\n1,2\n3,\xe9\n")
    _fails(
        DataSpec(source=str(tmp_path / "l1.csv"), task="forecasting"),
        "l1.csv",
        "line 3",
        "not UTF-8",
    )
    (tmp_path / "l1.txt").write_bytes(b"hello\nworld \xff\xfe\n")
    _fails(
        DataSpec(source=str(tmp_path / "l1.txt"), task="language_model"),
        "l1.txt",
        "line 2",
        "not UTF-8",
    )


def test_x_y_length_mismatch(tmp_path):
    np.savez(tmp_path / "m.npz", X=np.zeros((10, 5, 2)), y=np.zeros(9))
    _fails(DataSpec(source=str(tmp_path / "m.npz")), "m.npz", "10 sequences", "9 labels")


def test_wrong_array_rank(tmp_path):
    np.savez(tmp_path / "r4.npz", X=np.zeros((2, 3, 4, 5)), y=np.zeros(2))
    _fails(DataSpec(source=str(tmp_path / "r4.npz")), "r4.npz", "4 dimensions", "[N, T, F]")
    np.savez(tmp_path / "r1.npz", X=np.zeros(5), y=np.zeros(5))
    _fails(DataSpec(source=str(tmp_path / "r1.npz")), "r1.npz", "1 dimension")


def test_npz_with_pickled_objects_is_never_loaded(tmp_path):
    x = np.empty(2, dtype=object)
    x[0], x[1] = [1, 2], {"a": 1}
    np.savez(tmp_path / "p.npz", X=x, y=np.zeros(2))
    _fails(DataSpec(source=str(tmp_path / "p.npz")), "p.npz", "'X'", "pickled")
    np.save(tmp_path / "p.npy", x, allow_pickle=True)
    _fails(DataSpec(source=str(tmp_path / "p.npy")), "p.npy", "pickled")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("@univariate maybe\n@data\n1,2:a\n", "line 1: @univariate must be true or false"),
        ("@classLabel true\n@data\n1,2:a\n", "line 1: @classLabel true lists no class labels"),
        ("@seriesLength ten\n@data\n1,2:a\n", "line 1: @seriesLength must be a whole number"),
        ("@frobnicate yes\n@data\n1,2:a\n", "line 1: unknown header tag @frobnicate"),
        ("@problemName x\n@classLabel true a b\n", "no @data line"),
        ("1,2,3:a\n@data\n", "line 1: data before the @data line"),
    ],
)
def test_ts_malformed_header(tmp_path, text, fragment):
    (tmp_path / "h.ts").write_text(text)
    _fails(DataSpec(source=str(tmp_path / "h.ts")), "h.ts", fragment)


_HEAD = "@univariate true\n@equalLength true\n@seriesLength 3\n@classLabel true a b\n@data\n"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("1,2,3:a\n1,x,3:b\n", "line 7, dimension 1, value 2: 'x' is not a number"),
        ("1,2,3:a\n1,2,3\n", "line 7: no ':LABEL'"),
        ("1,2,3:4,5,6:a\n", "line 6: 2 dimensions in a file marked @univariate true"),
        ("1,2,3:a\n1,2,3:c\n", "line 7: class 'c' is not declared"),
        ("1,2,3:a\n1,2,3,4:b\n", "line 7: series of length 4, but @seriesLength is 3"),
        ("1,2,3:a\n:b\n", "line 7: an empty series"),
    ],
)
def test_ts_malformed_series(tmp_path, body, fragment):
    (tmp_path / "s.ts").write_text(_HEAD + body)
    _fails(DataSpec(source=str(tmp_path / "s.ts")), "s.ts", fragment)


def test_label_column_missing(tmp_path):
    (tmp_path / "long.csv").write_text("id,v,label\na,1,x\na,2,x\nb,3,y\n")
    _fails(
        DataSpec(source=str(tmp_path / "long.csv"), id_column="id", target_columns=["class"]),
        "long.csv",
        "label column 'class' not found",
        "'label'",
    )
    _fails(
        DataSpec(source=str(tmp_path / "long.csv"), id_column="id"), "long.csv", "no label column"
    )


def test_window_longer_than_the_series(tmp_path):
    (tmp_path / "s.csv").write_text("v\n" + "".join(f"{i}\n" for i in range(10)))
    _fails(
        DataSpec(source=str(tmp_path / "s.csv"), task="forecasting", window=10, horizon=1),
        "s.csv",
        "window 10 + horizon 1 is longer than the series (10 steps)",
    )


def test_split_that_leaves_no_training_data(tmp_path):
    (tmp_path / "s.csv").write_text("v\n" + "".join(f"{i}\n" for i in range(40)))
    spec = DataSpec(
        source=str(tmp_path / "s.csv"),
        task="forecasting",
        window=12,
        # 2 training steps: not even a shortened window + horizon fits
        split=SplitSpec(val_fraction=0.5, test_fraction=0.45),
    )
    _fails(spec, "s.csv", "leaves no windows for training")
    np.savez(tmp_path / "few.npz", X=np.zeros((2, 3)), y=np.array([0, 1]))
    spec = DataSpec(
        source=str(tmp_path / "few.npz"), split=SplitSpec(val_fraction=0.3, test_fraction=0.3)
    )
    _fails(spec, "few.npz", "leaves no sequences for training")


def test_missing_file_and_directory(tmp_path):
    _fails(DataSpec(source=str(tmp_path / "nope.csv")), "nope.csv", "no such file")
    (tmp_path / "folder.csv").mkdir()
    _fails(DataSpec(source=str(tmp_path / "folder.csv")), "folder.csv", "is a folder")
    _fails(DataSpec(source="resource:nope.csv"), "resource:nope.csv", "no such shipped dataset")


def test_relative_paths_start_at_the_project_folder(tmp_path):
    (tmp_path / "s.csv").write_text("v\n" + "".join(f"{i}\n" for i in range(40)))
    d = load_data(DataSpec(source="s.csv", task="forecasting", window=3), base_dir=tmp_path)
    assert len(d.train) > 0


def test_many_equal_column_names_are_numbered_without_quadratic_time():
    import time

    from workbench.core.data.csv.sniff import column_names

    start = time.perf_counter()
    names = column_names(["a"] * 20_000, 20_000, True)
    assert time.perf_counter() - start < 3.0  # was 32 s (each duplicate retried _2, _3, …)
    assert names[:3] == ["a", "a_2", "a_3"] and names[-1] == "a_20000"
    assert column_names(["a", "a_2", "a", "a", " ", "a_3"], 6, True) == [
        "a",
        "a_2",
        "a_3",
        "a_4",
        "col5",
        "a_3_2",
    ]
