"""UCR/UEA .ts files and the UCR .tsv layout, including _TRAIN/_TEST pairs."""

from __future__ import annotations

import math

import pytest
import torch

from workbench.core.data import load_data
from workbench.core.spec.project import DataSpec, SplitSpec

UNIVARIATE = """# a comment line
@problemName GunPointToy
@timeStamps false
@missing false
@univariate true
@equalLength true
@seriesLength 4
@classLabel true 1 2
@data
0.1,0.2,0.3,0.4:1
1.0,1.1,1.2,1.3:2
0.2,0.1,0.0,-0.1:1
2.0,2.0,2.0,2.0:2
"""

MULTIVARIATE_UNEQUAL = """@problemName Toy
@timeStamps false
@missing true
@univariate false
@dimensions 2
@equalLength false
@classLabel true walk run
@data
1,2,3:4,5,6:walk
1,?,3,4,5:9,8,7,6,5:run
7,8:9,10:walk
"""


def _spec(path, **kw) -> DataSpec:
    kw.setdefault("split", SplitSpec(kind="chronological", val_fraction=0.0, test_fraction=0.0))
    return DataSpec(source=str(path), normalization="none", **kw)


def test_univariate_equal_length(tmp_path):
    (tmp_path / "g.ts").write_text(UNIVARIATE)
    d = load_data(_spec(tmp_path / "g.ts"))
    assert d.train.x.shape == (4, 4, 1) and d.train.lengths is None
    assert d.class_names == ["1", "2"] and d.train.y.tolist() == [0, 1, 0, 1]
    assert torch.allclose(d.train.x[2, :, 0], torch.tensor([0.2, 0.1, 0.0, -0.1]))
    assert "dataset name in the file: GunPointToy" in d.summary.notes


def test_multivariate_unequal_length_with_missing(tmp_path):
    (tmp_path / "m.ts").write_text(MULTIVARIATE_UNEQUAL)
    with pytest.raises(
        Exception, match=r"m\.ts: 1 missing value \(first at line 10, step 2, feature 'dim1'\)"
    ):
        load_data(_spec(tmp_path / "m.ts"))
    d = load_data(_spec(tmp_path / "m.ts", missing="interpolate"))
    assert d.train.x.shape == (3, 5, 2)
    assert d.train.lengths.tolist() == [3, 5, 2]
    assert d.train.x[1, :, 0].tolist() == [1, 2, 3, 4, 5]  # interpolated at step 1
    assert d.train.x[1, :, 1].tolist() == [9, 8, 7, 6, 5]
    assert d.class_names == ["walk", "run"]  # the header's order
    assert d.train.y.tolist() == [0, 1, 0]


def test_timestamps_and_regression_targets(tmp_path):
    text = """@problemName R
@timeStamps true
@univariate true
@equalLength false
@classLabel false
@targetLabel true
@data
(2020-01-01 00:00:00,1.5),(2020-01-02 00:00:00,2.5):10.5
(1,3.0),(2,4.0),(3,5.0):-1
"""
    (tmp_path / "r.ts").write_text(text)
    d = load_data(_spec(tmp_path / "r.ts", task="regression"))
    assert d.train.y[:, 0].tolist() == [10.5, -1.0]
    assert d.train.x[1, :, 0].tolist() == [3.0, 4.0, 5.0]


def test_train_test_pair_is_found_beside_the_train_file(tmp_path):
    (tmp_path / "G_TRAIN.ts").write_text(UNIVARIATE)
    (tmp_path / "G_TEST.ts").write_text(
        UNIVARIATE.replace("2.0,2.0,2.0,2.0:2", "3.0,3.0,3.0,3.0:2")
    )
    d = load_data(
        DataSpec(
            source=str(tmp_path / "G_TRAIN.ts"),
            normalization="zscore",
            split=SplitSpec(val_fraction=0.0),
        )
    )
    assert (len(d.train), len(d.val), len(d.test)) == (4, 0, 4)
    # scaling is fitted on the training file only
    train_values = [0.1, 0.2, 0.3, 0.4, 1.0, 1.1, 1.2, 1.3, 0.2, 0.1, 0.0, -0.1, 2.0, 2.0, 2.0, 2.0]
    mean = sum(train_values) / len(train_values)
    assert d.normalization_stats["features"]["center"][0] == pytest.approx(mean)
    std = math.sqrt(sum((v - mean) ** 2 for v in train_values) / len(train_values))
    assert float(d.test.x[3, 0, 0]) == pytest.approx((3.0 - mean) / std, rel=1e-5)


def test_ucr_tsv_with_padding_nan_and_pair(tmp_path):
    train = "1\t0.5\t0.6\t0.7\n2\t1.5\t1.6\tNaN\n1\t0.4\t0.5\t0.6\n"
    (tmp_path / "U_TRAIN.tsv").write_text(train)
    (tmp_path / "U_TEST.tsv").write_text("2\t9\t8\t7\n")
    d = load_data(
        DataSpec(
            source=str(tmp_path / "U_TRAIN.tsv"),
            normalization="none",
            split=SplitSpec(val_fraction=0.0),
        )
    )
    assert d.summary.format == "ucr_tsv"
    assert d.train.lengths.tolist() == [3, 2, 3]
    assert d.test.x[0, :, 0].tolist() == [9, 8, 7]
    assert d.class_names == ["1", "2"] and d.test.y.tolist() == [1]
