"""_TRAIN/_TEST pairs are visible and checked; .ts messages say what is wrong, 1-based."""

from __future__ import annotations

import pytest

from workbench.core.data import inspect_data
from workbench.core.errors import DataError
from workbench.core.spec.project import DataSpec

HEAD = "@problemName {name}\n@univariate true\n@equalLength true\n@seriesLength {n}\n@classLabel true {labels}\n@data\n"


def _ts(path, rows: list[str], name="Toy", n=3, labels="a b") -> None:
    path.write_text(HEAD.format(name=name, n=n, labels=labels) + "\n".join(rows) + "\n")


TRAIN = ["1,2,3:a", "4,5,6:b", "1,1,1:a", "2,2,2:b", "3,3,3:a"]
TEST = ["7,8,9:a", "0,0,0:b"]


def test_pair_is_named_and_counted_separately(tmp_path):
    _ts(tmp_path / "Toy_TRAIN.ts", TRAIN)
    _ts(tmp_path / "Toy_TEST.ts", TEST)
    summary = inspect_data(DataSpec(source=str(tmp_path / "Toy_TRAIN.ts")))
    assert summary.test_file and summary.test_file.endswith("Toy_TEST.ts")
    assert summary.n_test_file == 2 and summary.n_sequences == 7
    assert summary.split_sizes["test"] == 2
    assert any(
        "test part:" in n and "Toy_TEST.ts" in n and "found beside" in n for n in summary.notes
    )
    assert "5 in the source, 2 in the test file" in summary.to_text()
    info = summary.to_dict()
    assert (info["n_train_file"], info["n_test_file"]) == (5, 2)


def test_errors_in_the_test_file_name_the_test_file(tmp_path):
    _ts(tmp_path / "Toy_TRAIN.ts", TRAIN)
    _ts(tmp_path / "Toy_TEST.ts", ["7,8,9:a", "0,?,0:b"])
    with pytest.raises(DataError, match=r"Toy_TEST\.ts: 1 missing value \(first at line 8, step 2"):
        inspect_data(DataSpec(source=str(tmp_path / "Toy_TRAIN.ts")))


@pytest.mark.parametrize(
    ("test_kwargs", "rows", "fragment"),
    [
        ({"name": "Other"}, TEST, "problem 'Other'"),
        ({"n": 4}, ["1,2,3,4:a", "1,2,3,4:b"], "series of length 4"),
        ({"labels": "a c"}, ["7,8,9:a", "0,0,0:c"], "classes a, c"),
    ],
)
def test_mismatched_pairs_are_refused(tmp_path, test_kwargs, rows, fragment):
    _ts(tmp_path / "Toy_TRAIN.ts", TRAIN)
    _ts(tmp_path / "Toy_TEST.ts", rows, **test_kwargs)
    with pytest.raises(DataError) as info:
        inspect_data(DataSpec(source=str(tmp_path / "Toy_TRAIN.ts")))
    assert "Toy_TEST.ts" in str(info.value) and fragment in str(info.value)


def test_missing_class_label_line_is_named(tmp_path):
    (tmp_path / "n.ts").write_text("@problemName n\n@univariate true\n@data\n1,2,3:a\n4,5,6:b\n")
    with pytest.raises(
        DataError, match=r"line 4: the case ends in ':a' but the header has no @classLabel"
    ):
        inspect_data(DataSpec(source=str(tmp_path / "n.ts")))


def test_arff_is_pointed_to_the_ts_file(tmp_path):
    (tmp_path / "Toy_TRAIN.arff").write_text("@relation toy\n")
    with pytest.raises(DataError, match="ARFF is not read; the archive ships the same data as .ts"):
        inspect_data(DataSpec(source=str(tmp_path / "Toy_TRAIN.arff")))


def test_a_training_run_names_the_test_file(tmp_path):
    from workbench.core.data import load_data

    _ts(tmp_path / "Toy_TRAIN.ts", TRAIN)
    _ts(tmp_path / "Toy_TEST.ts", TEST)
    notes = load_data(DataSpec(source=str(tmp_path / "Toy_TRAIN.ts"))).summary.run_notes()
    assert any("Toy_TEST.ts (2 sequences)" in n and "5 give train" in n for n in notes)
