"""Wide and long CSV/TSV files: sniffing, column roles, windows, chronological splits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.core.data import load_data
from workbench.core.errors import DataError
from workbench.core.spec.project import DataSpec, SplitSpec


def _write(path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


def _series_csv(
    tmp_path, n: int = 60, sep: str = ",", decimal: str = ".", header: bool = True
) -> str:
    lines = [sep.join(["time", "a", "b"])] if header else []
    for i in range(n):
        a, b = f"{i * 1.5:.1f}", f"{100 + i:.1f}"
        if decimal == ",":
            a, b = a.replace(".", ","), b.replace(".", ",")
        lines.append(sep.join([f"2020-01-{i:03d}", a, b]))
    return _write(tmp_path / "series.csv", "\n".join(lines) + "\n")


NO_SPLIT = SplitSpec(val_fraction=0.0, test_fraction=0.0)


@pytest.mark.parametrize(
    ("sep", "decimal"), [(",", "."), (";", ","), ("\t", "."), (";", "."), ("|", ".")]
)
def test_wide_csv_sniffs_delimiter_decimal_and_header(tmp_path, sep, decimal):
    src = _series_csv(tmp_path, sep=sep, decimal=decimal)
    d = load_data(
        DataSpec(source=src, task="forecasting", window=5, normalization="none", split=NO_SPLIT)
    )
    s = d.summary
    assert s.feature_names == ["a", "b"] and s.target_names == ["b"]
    assert any("'time'" in n for n in s.notes)
    assert torch.allclose(d.train.x[0, :, 0], torch.tensor([0.0, 1.5, 3.0, 4.5, 6.0]))
    assert float(d.train.y[0, 0]) == 105.0  # b at step 5: the step after the window


def test_wide_csv_without_header_and_explicit_options(tmp_path):
    src = _write(tmp_path / "plain.txt", "".join(f"{i};{i * 2}\n" for i in range(30)))
    spec = DataSpec(
        source=src,
        format="wide_csv",
        task="regression",
        delimiter=";",
        header=False,
        feature_columns=["col1"],
        target_columns=["col2"],
        window=3,
        normalization="none",
        split=NO_SPLIT,
    )
    d = load_data(spec)
    # regression: the target is the target column at the window's last step
    assert torch.equal(d.train.x[4, :, 0], torch.tensor([4.0, 5.0, 6.0]))
    assert float(d.train.y[4, 0]) == 12.0
    assert d.summary.feature_names == ["col1"]


def test_multi_step_multi_target_layout(tmp_path):
    src = _series_csv(tmp_path, n=40)
    spec = DataSpec(
        source=src,
        task="forecasting",
        target_columns=["a", "b"],
        window=4,
        horizon=3,
        stride=2,
        normalization="none",
        split=NO_SPLIT,
    )
    d = load_data(spec)
    assert d.output_size == 6 and d.train.y.shape[1] == 6
    # window k starts at 2k; targets are steps 2k+4 .. 2k+6, step-major [h0a, h0b, h1a, …]
    k = 3
    start = 2 * k + 4
    expected = [v for t in range(start, start + 3) for v in (t * 1.5, 100.0 + t)]
    assert torch.allclose(d.train.y[k], torch.tensor(expected))
    assert len(d.train) == len(range(0, 40 - 4 - 3 + 1, 2))


def test_chronological_split_with_gap_never_straddles(tmp_path):
    n = 200
    src = _write(tmp_path / "s.csv", "v\n" + "".join(f"{i}\n" for i in range(n)))
    spec = DataSpec(
        source=src,
        task="forecasting",
        window=10,
        horizon=2,
        normalization="none",
        split=SplitSpec(val_fraction=0.2, test_fraction=0.2, gap=5, strict=True),
    )
    d = load_data(spec)
    val_start, test_start = d.summary.split_bounds
    assert (val_start, test_start) == (125, 165)
    for split, lo, hi in ((d.train, 0, 120), (d.val, val_start, 160), (d.test, test_start, n)):
        steps_x = split.x[..., 0]
        steps_y = split.y
        assert steps_x.min() >= lo and steps_y.max() < hi
    # every window inside a part is there: (part length - window - horizon + 1)
    assert len(d.train) == 120 - 12 + 1
    assert len(d.val) == 35 - 12 + 1
    assert len(d.test) == 35 - 12 + 1


def test_windows_are_views_of_the_series(tmp_path):
    src = _write(tmp_path / "s.csv", "v\n" + "".join(f"{i}\n" for i in range(100)))
    d = load_data(DataSpec(source=src, task="forecasting", window=20, split=NO_SPLIT))
    x = d.train.x
    # 81 windows of 20 steps share one storage of 100 floats (no copy per window)
    assert x.untyped_storage().nbytes() <= 100 * 4
    assert x.shape == (80, 20, 1)


def test_normalization_stats_ignore_validation_and_test(tmp_path):
    # The val/test part holds huge values; the fitted stats must not see them.
    n = 100
    head = [float(i % 10) for i in range(70)]
    tail = [1e6 + i for i in range(30)]
    src = _write(tmp_path / "s.csv", "v\n" + "".join(f"{v}\n" for v in head + tail))
    for method in ("zscore", "minmax"):
        spec = DataSpec(
            source=src,
            task="forecasting",
            window=5,
            normalization=method,
            split=SplitSpec(val_fraction=0.15, test_fraction=0.15),
        )
        d = load_data(spec)
        feats = d.normalization_stats["features"]
        train = np.array(head)
        if method == "zscore":
            assert feats["center"][0] == pytest.approx(train.mean())
            assert feats["scale"][0] == pytest.approx(train.std())
        else:
            assert (feats["center"][0], feats["scale"][0]) == (0.0, 9.0)
        assert d.summary.split_bounds[0] == 70 and n == 100
        restored = d.targets_to_original_units(d.test.y)
        assert restored.min() > 1e6 - 1


def test_missing_policies_on_a_series(tmp_path):
    rows = ["t,v"] + [f"{i},{i}" for i in range(30)]
    rows[11] = "10,"  # step 10 is missing
    src = _write(tmp_path / "gap.csv", "\n".join(rows) + "\n")
    base = DataSpec(
        source=src,
        task="forecasting",
        window=4,
        normalization="none",
        split=NO_SPLIT,
        feature_columns=["v"],
        target_columns=["v"],
    )
    with pytest.raises(
        DataError, match=r"gap\.csv: 1 missing value \(first at line 12, column 'v'\)"
    ):
        load_data(base)
    d = load_data(base.replace(missing="interpolate"))
    assert float(d.train.x[7, 3, 0]) == pytest.approx(10.0)  # window 7 covers steps 7..10
    dropped = load_data(base.replace(missing="drop"))
    # windows touching step 10 (inputs 4 + target 1) are gone: starts 6..10
    assert len(dropped.train) == (30 - 5 + 1) - 5
    assert not torch.isnan(dropped.train.x).any() and not torch.isnan(dropped.train.y).any()


def _long_csv(tmp_path) -> str:
    text = (
        "id,step,x1,x2,label\n"
        "b,2,2.0,20,cat\n"
        "a,1,1.0,10,dog\n"
        "b,1,1.5,15,cat\n"
        "a,2,1.1,11,dog\n"
        "a,3,1.2,12,dog\n"
        "c,1,3.0,30,cat\n"
    )
    return _write(tmp_path / "long.csv", text)


def test_long_csv_variable_length_sequences(tmp_path):
    spec = DataSpec(
        source=_long_csv(tmp_path),
        id_column="id",
        time_column="step",
        target_columns=["label"],
        normalization="none",
        split=SplitSpec(kind="chronological", val_fraction=0.0, test_fraction=0.0),
    )
    d = load_data(spec)
    assert d.summary.format == "long_csv"
    # order of first appearance: b, a, c; rows sorted by step inside each sequence
    assert d.train.lengths.tolist() == [2, 3, 1]
    assert d.train.x[0, :2, 0].tolist() == [1.5, 2.0]
    assert d.train.x[1, :3, 1].tolist() == [10.0, 11.0, 12.0]
    assert float(d.train.x[2, 1:].abs().sum()) == 0.0  # padding is zero
    assert d.class_names == ["cat", "dog"] and d.train.y.tolist() == [0, 1, 0]
    assert d.summary.length_min == 1 and d.summary.length_max == 3
    assert d.summary.class_counts == {"cat": 2, "dog": 1}


def test_long_csv_per_step_labels_with_mask(tmp_path):
    text = "seq,v,tag\n1,0.1,lo\n1,0.9,hi\n1,0.2,lo\n2,0.8,hi\n2,0.7,hi\n"
    spec = DataSpec(
        source=_write(tmp_path / "tags.csv", text),
        id_column="seq",
        target_columns=["tag"],
        task="tagging",
        normalization="none",
        split=SplitSpec(kind="chronological", val_fraction=0.0, test_fraction=0.0),
    )
    d = load_data(spec)
    assert d.train.y.tolist()[0] == [1, 0, 1] and d.train.y.tolist()[1][:2] == [0, 0]
    assert d.train.mask.tolist() == [[True, True, True], [True, True, False]]
    assert d.summary.class_counts == {"hi": 3, "lo": 2}


def test_long_csv_label_changing_inside_a_sequence(tmp_path):
    text = "id,v,label\na,1,x\na,2,y\n"
    spec = DataSpec(
        source=_write(tmp_path / "l.csv", text), id_column="id", target_columns=["label"]
    )
    with pytest.raises(DataError, match=r"l\.csv: line 3: the label of sequence 'a' changes"):
        load_data(spec)


def test_long_csv_drop_and_interpolate(tmp_path):
    text = "id,v,label\na,1,x\na,,x\na,3,x\nb,5,y\nb,6,y\nc,7,x\nc,8,y\n".replace("c,8,y", "c,8,x")
    src = _write(tmp_path / "m.csv", text)
    base = DataSpec(
        source=src,
        id_column="id",
        target_columns=["label"],
        normalization="none",
        split=SplitSpec(kind="chronological", val_fraction=0.0, test_fraction=0.0),
    )
    with pytest.raises(DataError, match=r"line 3, column 'v'"):
        load_data(base)
    assert len(load_data(base.replace(missing="drop")).train) == 2
    filled = load_data(base.replace(missing="interpolate"))
    assert filled.train.x[0, :, 0].tolist() == [1.0, 2.0, 3.0]


def test_large_file_reads_exactly(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(40000, 3)).astype(np.float32)
    path = tmp_path / "big.csv"
    np.savetxt(path, values, delimiter=",", fmt="%.6g", header="a,b,c", comments="")
    assert path.stat().st_size > 1 << 20
    from workbench.core.data.csv import read_table

    table = read_table(path, DataSpec(source=str(path)), "big.csv")
    expected = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    for j, name in enumerate("abc"):
        assert np.array_equal(table.columns[name], expected[:, j])
    assert np.allclose(table.columns["a"], values[:, 0], rtol=1e-5)


def test_large_file_with_a_bad_cell_deep_inside(tmp_path):
    lines = ["a,b,c"] + [f"{i},{i * 0.5},{-i}" for i in range(60000)]
    lines[45001] = "45000,oops,-45000"
    path = tmp_path / "deep.csv"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size > 1 << 20
    with pytest.raises(
        DataError, match=r"deep\.csv: line 45002, column 'b': 'oops' is not a number"
    ):
        load_data(DataSpec(source=str(path), task="forecasting"))
    lines[45001] = "45000,22500.0,-45000"
    path.write_text("\n".join(lines) + "\n")
    d = load_data(
        DataSpec(
            source=str(path), task="forecasting", window=4, normalization="none", split=NO_SPLIT
        )
    )
    assert len(d.train) == 60000 - 4 and float(d.train.x[-1, -1, 1]) == 59998 * 0.5


def test_large_long_csv_with_text_columns_and_decimal_commas(tmp_path):
    rng = np.random.default_rng(5)
    n = 40000
    ids = rng.integers(0, 2000, size=n)
    lines = ["id;when;x;y;label"] + [  # decimal commas, written below by replacing points
        f"s{ids[i]};2021-{i % 12 + 1:02d};{rng.normal():.5f};{'' if i == 777 else f'{i % 7}.5'};"
        f"{'AB'[ids[i] % 2]}"
        for i in range(n)
    ]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines).replace(".", ",") + "\n")
    assert path.stat().st_size > 1 << 20
    spec = DataSpec(
        source=str(path),
        id_column="id",
        target_columns=["label"],
        ignore_columns=["when"],
        missing="interpolate",
        normalization="none",
    )
    a = load_data(spec)
    assert a.summary.missing_values == 1
    assert a.class_names == ["A", "B"]
    assert sum(len(a.split(name)) for name in ("train", "val", "test")) == len(set(ids))
    assert float(a.train.x[..., 1].max()) == 6.5  # decimal commas were read as decimals
    assert float(a.train.x[..., 1][a.train.x[..., 1] > 0].min()) == 0.5


def test_a_window_too_long_for_the_splits_is_shortened_with_a_note():
    from workbench.core.data import inspect_data
    from workbench.core.spec.project import DataSpec

    # strict: each 22-month val/test part must hold a whole window + horizon
    spec = DataSpec(source="resource:airline-passengers.csv", task="forecasting", window=24)
    spec.split.strict = True
    summary = inspect_data(spec)
    assert summary.window == 21 and min(summary.split_sizes.values()) == 1
    assert any("window shortened from 24 to 21" in n for n in summary.notes)
    spec.window = 12
    assert not any("shortened" in n for n in inspect_data(spec).notes)
    # a part too short for even a tiny window is still pointed out
    spec.split.val_fraction, spec.split.test_fraction = 0.01, 0.15
    assert any("validation part of the series is shorter" in n for n in inspect_data(spec).notes)


def test_val_and_test_inputs_reach_back_but_targets_never_leak(tmp_path):
    # The series holds its own step index, so every value says where it came from.
    n = 200
    src = _write(tmp_path / "s.csv", "v\n" + "".join(f"{i}\n" for i in range(n)))
    spec = DataSpec(
        source=src,
        task="forecasting",
        window=10,
        horizon=2,
        normalization="none",
        split=SplitSpec(val_fraction=0.2, test_fraction=0.2, gap=5),
    )
    d = load_data(spec)
    val_start, test_start = d.summary.split_bounds
    assert (val_start, test_start) == (125, 165)
    parts = ((d.train, 0, 10, 120), (d.val, 115, val_start, 160), (d.test, 155, test_start, n))
    for split, inputs_from, targets_from, stop in parts:
        # targets: inside the split, every one of its steps a first target once
        assert int(split.y.min()) == targets_from and int(split.y.max()) == stop - 1
        # inputs: may come from before the split (train / the gap), never from after
        assert int(split.x.min()) == inputs_from and int(split.x.max()) < stop - 1
        assert torch.equal(split.x[:, -1, 0] + 1, split.y[:, 0])  # inputs end where targets start
    assert len(d.val) == 160 - val_start - 1 and len(d.test) == n - test_start - 1
    assert d.summary.split_kind.endswith("inputs may reach back")
    # the airline series with window 24 now has val and test windows (22 months each, horizon 1)
    airline = DataSpec(source="resource:airline-passengers.csv", task="forecasting", window=24)
    sizes = load_data(airline).summary.split_sizes
    assert sizes["val"] == 22 and sizes["test"] == 22


def test_normalizer_fitted_on_train_only_with_reaching_back(tmp_path):
    head = [float(i % 10) for i in range(70)]
    tail = [1e6 + i for i in range(30)]
    src = _write(tmp_path / "s.csv", "v\n" + "".join(f"{v}\n" for v in head + tail))
    d = load_data(DataSpec(source=src, task="forecasting", window=5))
    assert d.normalization_stats["targets"]["center"][0] == pytest.approx(np.mean(head))
    # the first val window reads the last 5 training steps, scaled with the training stats
    first = d.val.x[0, :, 0].double().numpy() * np.std(head) + np.mean(head)
    np.testing.assert_allclose(first, head[-5:], atol=1e-4)
